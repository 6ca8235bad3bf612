"""Which tariff prices a session: explicit assignments first, then the charger's class.

Order (seed 004 別表1/別表2, billing.md §3): connector (stand) tariff >
station tariff > site tariff > charger-class tariff. Classes (004 別表1): AC normal; DC with
maximum output >= 90 kW; DC with maximum output <= 50 kW. A DC charger between 50 and 90 kW
fits no class: without an explicit tariff that is a configuration error reported when the
assignments load, never a silent guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from csms.billing.money import exact
from csms.billing.tariff import Tariff, TariffError

AC: Final = "ac"
DC_90_AND_ABOVE: Final = "dc_90kw_and_above"
DC_50_AND_BELOW: Final = "dc_50kw_and_below"
_CLASSES: Final = (AC, DC_90_AND_ABOVE, DC_50_AND_BELOW)


class NoTariffAssigned(LookupError):
    """No tariff applies to this station/connector; the session is stored unpriced."""


def charger_class(current: str, max_power_kw: Decimal) -> str | None:
    """004 別表1 class of a charger, or None when it fits none (DC above 50 and below 90 kW).

    Example: ``charger_class("DC", Decimal(90))`` is ``"dc_90kw_and_above"``;
    ``charger_class("DC", Decimal(60))`` is None.
    """
    if current == "AC":
        return AC
    if max_power_kw >= 90:
        return DC_90_AND_ABOVE
    if max_power_kw <= 50:
        return DC_50_AND_BELOW
    return None


@dataclass(frozen=True)
class StationAssignment:
    station_id: str
    site: str | None
    current: str
    max_power_kw: Decimal
    tariff_id: str | None
    connector_tariffs: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TariffCatalog:
    """Tariffs by id and the assignments that choose among them (validated on build)."""

    tariffs: dict[str, Tariff]
    class_tariffs: dict[str, str]
    site_tariffs: dict[str, str]
    stations: dict[str, StationAssignment]

    def get(self, tariff_id: str) -> Tariff:
        try:
            return self.tariffs[tariff_id]
        except KeyError:
            raise NoTariffAssigned(f"unknown tariff {tariff_id!r}") from None

    def resolve(self, station_id: str, evse_id: int | None) -> Tariff:
        """The tariff for a session on this station's EVSE (1.6 connector; None: unknown)."""
        station = self.stations.get(station_id)
        if station is None:
            raise NoTariffAssigned(f"station {station_id!r} has no tariff assignment")
        tariff_id = (
            (station.connector_tariffs.get(evse_id) if evse_id is not None else None)
            or station.tariff_id
            or (self.site_tariffs.get(station.site) if station.site else None)
            or self.class_tariffs.get(
                charger_class(station.current, station.max_power_kw) or "", None
            )
        )
        if tariff_id is None:  # build() prevents this; kept for fakes built by hand
            raise NoTariffAssigned(f"no tariff applies to {station_id!r} EVSE {evse_id}")
        return self.get(tariff_id)


def _text(data: dict[str, Any], key: str, where: str, source: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise TariffError(source, f"{where}{key}", "must be a non-empty string")
    return value


def _station(station_id: str, data: Any, source: str) -> StationAssignment:
    where = f"stations.{station_id}."
    if not isinstance(data, dict):
        raise TariffError(source, where.rstrip("."), "must be an object")
    current = data.get("current")
    if current not in ("AC", "DC"):
        raise TariffError(source, f"{where}current", "must be 'AC' or 'DC'")
    try:
        power = exact(data.get("max_power_kw"), "max_power_kw")
    except (TypeError, ValueError) as exc:
        raise TariffError(source, f"{where}max_power_kw", "must be a decimal string") from exc
    connectors: dict[int, str] = {}
    for key, value in (data.get("connectors") or {}).items():
        if not str(key).isdigit() or not isinstance(value, dict):
            raise TariffError(source, f"{where}connectors.{key}", "must be an EVSE number: {...}")
        tariff = _text(value, "tariff", f"{where}connectors.{key}.", source)
        if tariff:
            connectors[int(key)] = tariff
    return StationAssignment(
        station_id,
        _text(data, "site", where, source),
        current,
        power,
        _text(data, "tariff", where, source),
        connectors,
    )


def build_catalog(tariffs: dict[str, Tariff], assignments: Any, source: str) -> TariffCatalog:
    """Validate assignments against the tariffs.

    Raises:
        TariffError: an unknown tariff, site or class, or a charger that fits no class and
            has no explicit tariff.
    """
    if not isinstance(assignments, dict):
        raise TariffError(source, "(top)", "must be a JSON object")
    classes = assignments.get("class_tariffs") or {}
    for name in classes:
        if name not in _CLASSES:
            raise TariffError(source, f"class_tariffs.{name}", f"unknown class; use {_CLASSES}")
    sites = {
        name: site["tariff"]
        for name, site in (assignments.get("sites") or {}).items()
        if isinstance(site, dict) and site.get("tariff")
    }
    known_sites = set(assignments.get("sites") or {})
    stations = {
        station_id: _station(station_id, data, source)
        for station_id, data in (assignments.get("stations") or {}).items()
    }
    catalog = TariffCatalog(tariffs, dict(classes), sites, stations)
    named = [(f"class_tariffs.{k}", v) for k, v in classes.items()]
    named += [(f"sites.{k}.tariff", v) for k, v in sites.items()]
    for station in stations.values():
        where = f"stations.{station.station_id}"
        if station.site is not None and station.site not in known_sites:
            raise TariffError(source, f"{where}.site", f"unknown site {station.site!r}")
        named += [(f"{where}.tariff", station.tariff_id)] if station.tariff_id else []
        named += [
            (f"{where}.connectors.{k}.tariff", v) for k, v in station.connector_tariffs.items()
        ]
        _check_priced(catalog, station, where, source)
    for where, tariff_id in named:
        if tariff_id not in tariffs:
            raise TariffError(source, where, f"unknown tariff {tariff_id!r}")
    return catalog


def _check_priced(
    catalog: TariffCatalog, station: StationAssignment, where: str, source: str
) -> None:
    explicit = station.tariff_id or (station.site and station.site in catalog.site_tariffs)
    if explicit:
        return
    klass = charger_class(station.current, station.max_power_kw)
    if klass is None:
        raise TariffError(
            source,
            where,
            f"a {station.current} charger of {station.max_power_kw} kW fits no class "
            "(DC >= 90 kW or <= 50 kW, 004 別表1) and has no explicit tariff",
        )
    if klass not in catalog.class_tariffs and len(station.connector_tariffs) == 0:
        raise TariffError(source, where, f"no tariff for class {klass!r}")
