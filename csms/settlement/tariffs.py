"""Which tariff prices a session: explicit assignments first, then the charger's class.

Order (seed 004 別表1/別表2, billing.md §3): EVSE (connector, stand) tariff > station tariff >
site tariff > charger-class tariff. Classes (004 別表1): AC normal; DC with maximum output
>= 90 kW; DC with maximum output <= 50 kW. A station's class is set with its assignment
(``csms tariff assign``, ``PUT /api/stations/{id}/tariff``; the files' ``current`` and
``max_power_kw`` give it); a station without one is in ``default_class`` when that is set
(development mode's demo pricing), else it has none. A DC charger between 50 and 90 kW fits
no class: in a file, without an explicit tariff, that is an error when the file loads.

The catalog is the one object settlement reads; ``install`` swaps its data whole when the
stored tariffs change (the newer revision wins), so a change needs no restart.
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
CLASSES: Final = (AC, DC_90_AND_ABOVE, DC_50_AND_BELOW)


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
    """A station's own tariff, site and class, and its EVSEs' tariffs (all optional)."""

    station_id: str
    site: str | None = None
    charger_class: str | None = None
    tariff_id: str | None = None
    connector_tariffs: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolution:
    """Which tariff applies and at which level (``evse``, ``station``, ``site``, ``class``)."""

    tariff_id: str
    level: str


@dataclass(frozen=True)
class _Data:
    tariffs: dict[str, Tariff]
    class_tariffs: dict[str, str]
    site_tariffs: dict[str, str]
    stations: dict[str, StationAssignment]
    default_class: str | None
    revision: int


class TariffCatalog:
    """Tariffs by id and the assignments that choose among them."""

    def __init__(
        self,
        tariffs: dict[str, Tariff],
        class_tariffs: dict[str, str],
        site_tariffs: dict[str, str],
        stations: dict[str, StationAssignment],
        *,
        default_class: str | None = None,
        revision: int = 0,
    ) -> None:
        self._data = _Data(tariffs, class_tariffs, site_tariffs, stations, default_class, revision)

    @property
    def tariffs(self) -> dict[str, Tariff]:
        return self._data.tariffs

    @property
    def class_tariffs(self) -> dict[str, str]:
        return self._data.class_tariffs

    @property
    def site_tariffs(self) -> dict[str, str]:
        return self._data.site_tariffs

    @property
    def stations(self) -> dict[str, StationAssignment]:
        return self._data.stations

    @property
    def default_class(self) -> str | None:
        return self._data.default_class

    @property
    def revision(self) -> int:
        """The stored tariffs' revision this data was read at (0: not from the database)."""
        return self._data.revision

    def install(self, newer: TariffCatalog) -> bool:
        """Take ``newer``'s data unless it is older than ours; True when taken."""
        if newer.revision < self._data.revision:
            return False
        self._data = newer._data
        return True

    def get(self, tariff_id: str) -> Tariff:
        try:
            return self._data.tariffs[tariff_id]
        except KeyError:
            raise NoTariffAssigned(f"unknown tariff {tariff_id!r}") from None

    def explain(self, station_id: str, evse_id: int | None) -> Resolution | None:
        """Which tariff applies to the station's EVSE (None: unknown EVSE), and why."""
        data = self._data
        station = data.stations.get(station_id) or StationAssignment(station_id)
        klass = station.charger_class or data.default_class
        levels = (
            ("evse", station.connector_tariffs.get(evse_id) if evse_id is not None else None),
            ("station", station.tariff_id),
            ("site", data.site_tariffs.get(station.site) if station.site else None),
            ("class", data.class_tariffs.get(klass) if klass else None),
        )
        for level, tariff_id in levels:
            if tariff_id is not None:
                return Resolution(tariff_id, level)
        return None

    def resolve(self, station_id: str, evse_id: int | None) -> Tariff:
        """The tariff for a session on this station's EVSE (1.6 connector; None: unknown)."""
        found = self.explain(station_id, evse_id)
        if found is None:
            if station_id not in self._data.stations:
                raise NoTariffAssigned(f"station {station_id!r} has no tariff assignment")
            raise NoTariffAssigned(f"no tariff applies to {station_id!r} EVSE {evse_id}")
        return self.get(found.tariff_id)


def _text(data: dict[str, Any], key: str, where: str, source: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise TariffError(source, f"{where}{key}", "must be a non-empty string")
    return value


def _station(station_id: str, data: Any, source: str) -> tuple[StationAssignment, str]:
    """A file's station entry, and its charger in words (``a DC charger of 60 kW``)."""
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
    klass = charger_class(current, power)
    site, tariff_id = _text(data, "site", where, source), _text(data, "tariff", where, source)
    charger = f"a {current} charger of {power} kW"
    return StationAssignment(station_id, site, klass, tariff_id, connectors), charger


def build_catalog(tariffs: dict[str, Tariff], assignments: Any, source: str) -> TariffCatalog:
    """Validate an assignments file's content against the tariffs.

    Raises:
        TariffError: an unknown tariff, site or class, or a charger that fits no class and
            has no explicit tariff.
    """
    if not isinstance(assignments, dict):
        raise TariffError(source, "(top)", "must be a JSON object")
    classes = assignments.get("class_tariffs") or {}
    for name in classes:
        if name not in CLASSES:
            raise TariffError(source, f"class_tariffs.{name}", f"unknown class; use {CLASSES}")
    sites = {
        name: site["tariff"]
        for name, site in (assignments.get("sites") or {}).items()
        if isinstance(site, dict) and site.get("tariff")
    }
    known_sites = set(assignments.get("sites") or {})
    read = {
        station_id: _station(station_id, data, source)
        for station_id, data in (assignments.get("stations") or {}).items()
    }
    stations = {station_id: station for station_id, (station, _) in read.items()}
    catalog = TariffCatalog(tariffs, dict(classes), sites, stations, revision=0)
    named = [(f"class_tariffs.{k}", v) for k, v in classes.items()]
    named += [(f"sites.{k}.tariff", v) for k, v in sites.items()]
    for station, charger in read.values():
        where = f"stations.{station.station_id}"
        if station.site is not None and station.site not in known_sites:
            raise TariffError(source, f"{where}.site", f"unknown site {station.site!r}")
        named += [(f"{where}.tariff", station.tariff_id)] if station.tariff_id else []
        named += [
            (f"{where}.connectors.{k}.tariff", v) for k, v in station.connector_tariffs.items()
        ]
        _check_priced(catalog, station, charger, where, source)
    for where, tariff_id in named:
        if tariff_id not in tariffs:
            raise TariffError(source, where, f"unknown tariff {tariff_id!r}")
    return catalog


def _check_priced(
    catalog: TariffCatalog, station: StationAssignment, charger: str, where: str, source: str
) -> None:
    explicit = station.tariff_id or (station.site and station.site in catalog.site_tariffs)
    if explicit:
        return
    if station.charger_class is None:
        raise TariffError(
            source,
            where,
            f"{charger} fits no class (DC >= 90 kW or <= 50 kW, 004 別表1) "
            "and has no explicit tariff",
        )
    klass = station.charger_class
    if klass not in catalog.class_tariffs and len(station.connector_tariffs) == 0:
        raise TariffError(source, where, f"no tariff for class {klass!r}")
