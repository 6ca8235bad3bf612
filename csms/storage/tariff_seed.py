"""The shipped (or configured) tariff files imported as seed data: only what is missing.

A stored version is never overwritten (one whose file content differs is reported and
kept), and a new file version that overlaps a stored one is skipped and reported: an
operator's change through the API wins over a shipped file, and start-up goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

import asyncpg

from csms.billing.tariff import Tariff, TariffVersion
from csms.settlement.tariffs import TariffCatalog
from csms.storage.tariffs import (
    BUMP,
    UPSERT_CLASS,
    UPSERT_EVSE,
    UPSERT_SITE,
    UPSERT_STATION,
    UPSERT_TARIFF,
    UPSERT_VERSION,
    _no_update,
    _read_tariffs,
    _tariff_values,
    _version_values,
)

SEED_LOCK: Final = "SELECT pg_advisory_xact_lock(hashtext('tariff-seed'))"


@dataclass
class SeedImported:
    """What an import added, and the stored versions whose file content differs (kept)."""

    tariffs: int = 0
    versions: int = 0
    assignments: int = 0
    differing: list[str] = field(default_factory=list)


async def import_seed(
    pool: asyncpg.Pool, catalog: TariffCatalog, sites: dict[str, str | None]
) -> SeedImported:
    """Insert the files' tariffs, versions and assignments the database lacks."""
    done = SeedImported()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(SEED_LOCK)  # several nodes starting at once import one at a time
        stored = {t.tariff.tariff_id: t.tariff for t in await _read_tariffs(conn, None)}
        for tariff in catalog.tariffs.values():
            values = _tariff_values(tariff)
            done.tariffs += _inserted(await conn.execute(_no_update(UPSERT_TARIFF), *values))
            _differing(done, tariff, stored.get(tariff.tariff_id))
            for version in _fitting(done, tariff, stored.get(tariff.tariff_id)):
                values = _version_values(tariff.tariff_id, version)
                insert = _no_update(UPSERT_VERSION)
                done.versions += _inserted(await conn.execute(insert, *values))
        done.assignments += await _seed_assignments(conn, catalog, sites)
        if done.tariffs or done.versions or done.assignments:
            await conn.execute(BUMP)
    return done


def _fitting(done: SeedImported, tariff: Tariff, stored: Tariff | None) -> list[TariffVersion]:
    """The file's versions, less new ones that overlap a stored version (an operator's API
    change wins over a shipped file; the skipped ones are reported, start-up goes on)."""
    if stored is None:
        return list(tariff.versions)
    kept = {v.version: v for v in stored.versions}
    fitting = []
    for version in tariff.versions:
        clash = next(
            (k for k in kept.values() if k.version != version.version and _overlap(k, version)),
            None,
        )
        if version.version not in kept and clash is not None:
            done.differing.append(
                f"{tariff.tariff_id} {version.version} (skipped: overlaps stored {clash.version})"
            )
            continue
        fitting.append(version)
    return fitting


def _overlap(a: TariffVersion, b: TariffVersion) -> bool:
    """Whether two versions' validity periods (JST dates, inclusive, None = open) meet."""
    a_from, b_from = a.valid_from or date.min, b.valid_from or date.min
    a_to, b_to = a.valid_to or date.max, b.valid_to or date.max
    return a_from <= b_to and b_from <= a_to


def _inserted(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


def _differing(done: SeedImported, tariff: Tariff, stored: Tariff | None) -> None:
    if stored is None:
        return
    kept = {v.version: v for v in stored.versions}
    done.differing += [
        f"{tariff.tariff_id} {v.version}"
        for v in tariff.versions
        if v.version in kept and kept[v.version] != v
    ]


async def _seed_assignments(
    conn: asyncpg.Connection, catalog: TariffCatalog, sites: dict[str, str | None]
) -> int:
    count = 0
    values: tuple[object, ...]
    for site, name in sites.items():
        values = (site, name, catalog.site_tariffs.get(site))
        count += _inserted(await conn.execute(_no_update(UPSERT_SITE), *values))
    for klass, tariff_id in catalog.class_tariffs.items():
        count += _inserted(await conn.execute(_no_update(UPSERT_CLASS), klass, tariff_id))
    for station in catalog.stations.values():
        values = (station.station_id, station.tariff_id, station.site, station.charger_class)
        count += _inserted(await conn.execute(_no_update(UPSERT_STATION), *values))
        for evse_id, tariff_id in station.connector_tariffs.items():
            values = (station.station_id, evse_id, tariff_id)
            count += _inserted(await conn.execute(_no_update(UPSERT_EVSE), *values))
    return count
