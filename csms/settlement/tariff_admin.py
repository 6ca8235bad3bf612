"""Tariffs as operator-managed data: versions added, assignments changed, and the one catalog
settlement reads kept current, without a restart (config/tariffs/README.md, "Stored").

Rules:

* A POST of a tariff document adds its versions. A version (id + version) that a statement
  used is immutable: a different content for it is a ``Conflict`` (409) and nothing is
  saved; so is a different currency or tax rate once any version is used. The same content
  again changes nothing; a different content for a version no statement used replaces it
  only while it is not yet in force (its ``valid_from`` after today, JST): a version in
  force may be pricing a session right now, so it changes only as a used one does (closed). Stored
  versions the document leaves out are kept; the merged versions must not overlap. Name,
  source and the example flag are descriptive and follow the latest document. One change
  of a used version is allowed, closing it: the same components and start, and a
  ``valid_to`` set or moved earlier but not before the start date of a session it priced
  (so a price change can follow an open-ended version; every statement stays as issued).
* Assignments: EVSE > station > site > charger class (``settlement.tariffs``); ``None``
  clears one (a cleared assignment is stored, so a seed file never brings it back).
* After every change here the catalog is read again; ``watch`` also reads it when another
  process (``csms tariff ...`` on the same database) changed the stored revision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from csms.billing.pricer import JST, Quote, price_session
from csms.billing.tariff import Tariff, TariffVersion
from csms.clock import Clock, SystemClock
from csms.errors import Conflict, InvalidInput, NotFound
from csms.settlement.tariff_documents import parse_document, tariff_document, version_document
from csms.settlement.tariffs import (
    CLASSES,
    NoTariffAssigned,
    Resolution,
    StationAssignment,
    TariffCatalog,
)


@dataclass(frozen=True)
class StoredTariff:
    """A stored tariff; ``used``: each version a statement used (immutable from then on,
    but for closing it) with the latest JST start date of a session it priced."""

    tariff: Tariff
    used: dict[str, date] = field(default_factory=dict)

    @property
    def used_versions(self) -> frozenset[str]:
        return frozenset(self.used)


@dataclass(frozen=True)
class TariffSaved:
    """What a POST did to each version of its document."""

    tariff_id: str
    created: tuple[str, ...]
    replaced: tuple[str, ...]
    unchanged: tuple[str, ...]
    new_tariff: bool
    closed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    site: str
    name: str | None
    tariff_id: str | None


class TariffEditing(Protocol):
    """One tariff locked in one transaction: what is stored, which versions were used."""

    current: StoredTariff | None

    async def write(self, tariff: Tariff, versions: Sequence[TariffVersion]) -> None: ...


class TariffStore(Protocol):
    def editing(self, tariff_id: str) -> AbstractAsyncContextManager[TariffEditing]: ...
    async def tariffs(self) -> list[StoredTariff]: ...
    async def tariff(self, tariff_id: str) -> StoredTariff | None: ...
    async def load(self, default_class: str | None) -> TariffCatalog: ...
    async def revision(self) -> int: ...
    async def station(self, station_id: str) -> StationAssignment | None: ...
    async def sites(self) -> list[Site]: ...
    async def set_station(
        self, station_id: str, tariff_id: str | None, site: str | None, klass: str | None
    ) -> None: ...
    async def set_evse(self, station_id: str, evse_id: int, tariff_id: str | None) -> None: ...
    async def set_site(self, site: str, name: str | None, tariff_id: str | None) -> None: ...
    async def set_class(self, klass: str, tariff_id: str | None) -> None: ...


def _merged(tariff: Tariff, kept: Sequence[TariffVersion]) -> Tariff:
    """The document's versions, then the stored ones it left out; checked for overlaps."""
    document = tariff_document(tariff)
    document["versions"] += [version_document(version) for version in kept]
    return parse_document(document)


class TariffBook:
    """Every use case on stored tariffs; ``catalog`` is the object settlement reads."""

    def __init__(
        self,
        store: TariffStore,
        catalog: TariffCatalog,
        default_class: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self.catalog = catalog
        self._default_class = default_class
        self._clock = clock or SystemClock()

    async def refresh(self) -> None:
        """Read the stored tariffs and assignments into the catalog."""
        self.catalog.install(await self._store.load(self._default_class))

    async def watch(self, interval_s: float, on_error: Callable[[Exception], None]) -> None:
        """Refresh whenever the stored revision moved (e.g. ``csms tariff assign``)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                if await self._store.revision() != self.catalog.revision:
                    await self.refresh()
            except Exception as exc:  # a database outage: try again at the next interval
                on_error(exc)

    async def tariffs(self) -> list[StoredTariff]:
        return await self._store.tariffs()

    async def tariff(self, tariff_id: str) -> StoredTariff:
        found = await self._store.tariff(tariff_id)
        if found is None:
            raise NotFound(f"no tariff {tariff_id!r}")
        return found

    async def save(self, document: Any) -> TariffSaved:
        """Add (or replace unused) versions of a tariff document; see the module's rules."""
        tariff = parse_document(document)
        async with self._store.editing(tariff.tariff_id) as edit:
            today = self._clock.now().astimezone(JST).date()
            saved, changed = _plan(tariff, edit.current, today)
            if edit.current is not None:
                given = {v.version for v in tariff.versions}
                kept = [v for v in edit.current.tariff.versions if v.version not in given]
                _merged(tariff, kept)
            await edit.write(tariff, changed)
        await self.refresh()
        return saved

    async def assign_station(
        self,
        station_id: str,
        tariff_id: str | None,
        site: str | None = None,
        charger_class: str | None = None,
    ) -> Resolution | None:
        """The station's own tariff, site and class (all three replaced); what now applies."""
        await self._known_tariff(tariff_id, "tariff_id")
        if charger_class is not None and charger_class not in CLASSES:
            raise InvalidInput(f"charger_class: must be one of {', '.join(CLASSES)}")
        if site is not None and site not in {s.site for s in await self._store.sites()}:
            raise InvalidInput(f"site: unknown site {site!r} (PUT /api/sites/{{site}}/tariff)")
        await self._store.set_station(station_id, tariff_id, site, charger_class)
        await self.refresh()
        return self.catalog.explain(station_id, None)

    async def assign_evse(
        self, station_id: str, evse_id: int, tariff_id: str | None
    ) -> Resolution | None:
        await self._known_tariff(tariff_id, "tariff_id")
        await self._store.set_evse(station_id, evse_id, tariff_id)
        await self.refresh()
        return self.catalog.explain(station_id, evse_id)

    async def assign_site(self, site: str, tariff_id: str | None, name: str | None) -> None:
        await self._known_tariff(tariff_id, "tariff_id")
        await self._store.set_site(site, name, tariff_id)
        await self.refresh()

    async def assign_class(self, charger_class: str, tariff_id: str | None) -> None:
        if charger_class not in CLASSES:
            raise NotFound(f"no charger class {charger_class!r}; classes: {', '.join(CLASSES)}")
        await self._known_tariff(tariff_id, "tariff_id")
        await self._store.set_class(charger_class, tariff_id)
        await self.refresh()

    async def station(self, station_id: str) -> StationAssignment:
        return await self._store.station(station_id) or StationAssignment(station_id)

    async def sites(self) -> list[Site]:
        return await self._store.sites()

    async def quote(
        self,
        tariff_id: str | None,
        where: tuple[str, int | None] | None,
        times: tuple[datetime, datetime],
        energy_wh: Decimal,
    ) -> Quote:
        """Price a session by a tariff, or by what is assigned to ``(station, evse)``.

        Raises:
            NotFound: no such tariff, or nothing assigned. NoTariffInForce: no version.
        """
        if tariff_id is not None:
            tariff = (await self.tariff(tariff_id)).tariff
        else:
            if where is None:
                raise InvalidInput("tariff_id or station_id is required")
            try:
                tariff = self.catalog.resolve(*where)
            except NoTariffAssigned as exc:
                raise NotFound(str(exc)) from None
        return price_session(tariff, times[0], times[1], energy_wh)

    async def _known_tariff(self, tariff_id: str | None, field: str) -> None:
        if tariff_id is not None and await self._store.tariff(tariff_id) is None:
            raise InvalidInput(f"{field}: unknown tariff {tariff_id!r}")


def _plan(
    tariff: Tariff, current: StoredTariff | None, today: date
) -> tuple[TariffSaved, list[TariffVersion]]:
    """Which versions are new, replaced or unchanged; Conflict for a used or in-force version
    changed other than by closing it."""
    if current is None:
        names = tuple(v.version for v in tariff.versions)
        return TariffSaved(tariff.tariff_id, names, (), (), True), list(tariff.versions)
    stored = {v.version: v for v in current.tariff.versions}
    _check_terms(tariff, current)
    created, replaced, unchanged, closed = [], [], [], []
    for version in tariff.versions:
        before = stored.get(version.version)
        if before is None:
            created.append(version)
        elif before == version:
            unchanged.append(version)
        elif version.version not in current.used and not _in_force(before, today):
            replaced.append(version)
        elif _closes(before, version, current.used.get(version.version, today)):
            closed.append(version)
        else:
            used = version.version in current.used
            raise Conflict(
                f"tariff {tariff.tariff_id!r} version {version.version!r} is "
                f"{'used by a statement' if used else 'in force'} and cannot change (only be "
                f"closed by a valid_to not before {current.used.get(version.version, today)});"
                " post a new version"
            )
    new, changed, same, ended = (
        tuple(v.version for v in group) for group in (created, replaced, unchanged, closed)
    )
    saved = TariffSaved(tariff.tariff_id, new, changed, same, False, ended)
    return saved, created + replaced + closed


def _check_terms(tariff: Tariff, current: StoredTariff) -> None:
    """Currency and tax rate are fixed once a statement used any version."""
    old = current.tariff
    if current.used_versions and (old.currency, old.tax_rate_percent) != (
        tariff.currency,
        tariff.tax_rate_percent,
    ):
        raise Conflict(
            f"tariff {tariff.tariff_id!r}: currency and tax_rate_percent cannot change once a "
            f"statement used a version ({', '.join(sorted(current.used_versions))})"
        )


def _in_force(version: TariffVersion, today: date) -> bool:
    return version.valid_from is None or version.valid_from <= today


def _closes(before: TariffVersion, after: TariffVersion, last_used: date) -> bool:
    """``after`` only ends ``before`` earlier, still covering every session it priced."""
    same = (before.components, before.valid_from) == (after.components, after.valid_from)
    earlier = after.valid_to is not None and (
        before.valid_to is None or after.valid_to < before.valid_to
    )
    return same and earlier and after.valid_to is not None and last_used <= after.valid_to
