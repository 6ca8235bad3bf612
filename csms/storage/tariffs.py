"""Stored tariffs, their versions and assignments (migration 012), and the seed import.

Each change runs in one transaction that also bumps ``tariff_revision``, so a running
server sees a change made by another process. ``tariff_seed.import_seed`` inserts what the
shipped or configured files hold and the database lacks; it never overwrites a stored row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import asyncpg

from csms.billing.tariff import Tariff, TariffVersion
from csms.settlement.tariff_admin import Site, StoredTariff
from csms.settlement.tariff_documents import parse_document, version_document
from csms.settlement.tariffs import StationAssignment, TariffCatalog

BUMP: Final = "UPDATE tariff_revision SET revision = revision + 1 WHERE id = 1"
REVISION: Final = "SELECT revision FROM tariff_revision WHERE id = 1"
LOCK_TARIFF: Final = "SELECT pg_advisory_xact_lock(hashtext('tariff:' || $1))"
SELECT_TARIFFS: Final = """
SELECT tariff_id, name, source, currency, tax_rate_percent, example FROM tariffs
WHERE $1::text IS NULL OR tariff_id = $1 ORDER BY tariff_id"""
SELECT_VERSIONS: Final = """
SELECT tariff_id, version, valid_from, valid_to, components FROM tariff_versions
WHERE $1::text IS NULL OR tariff_id = $1 ORDER BY tariff_id, valid_from NULLS FIRST, version"""
SELECT_USED: Final = """
SELECT tariff_id, tariff_version,
       max(((inputs->>'started_at')::timestamptz AT TIME ZONE 'Asia/Tokyo')::date) AS last_day
FROM statements
WHERE tariff_id IS NOT NULL AND ($1::text IS NULL OR tariff_id = $1)
GROUP BY tariff_id, tariff_version"""
UPSERT_TARIFF: Final = """
INSERT INTO tariffs (tariff_id, name, source, currency, tax_rate_percent, example)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tariff_id) DO UPDATE SET name = excluded.name, source = excluded.source,
    currency = excluded.currency, tax_rate_percent = excluded.tax_rate_percent,
    example = excluded.example, updated_at = now()"""
UPSERT_VERSION: Final = """
INSERT INTO tariff_versions (tariff_id, version, valid_from, valid_to, components)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tariff_id, version) DO UPDATE SET valid_from = excluded.valid_from,
    valid_to = excluded.valid_to, components = excluded.components, updated_at = now()"""
UPSERT_STATION: Final = """
INSERT INTO tariff_station_assignments (station_id, tariff_id, site, charger_class)
VALUES ($1, $2, $3, $4)
ON CONFLICT (station_id) DO UPDATE SET tariff_id = excluded.tariff_id, site = excluded.site,
    charger_class = excluded.charger_class, assigned_at = now()"""
UPSERT_EVSE: Final = """
INSERT INTO tariff_evse_assignments (station_id, evse_id, tariff_id) VALUES ($1, $2, $3)
ON CONFLICT (station_id, evse_id) DO UPDATE SET tariff_id = excluded.tariff_id,
    assigned_at = now()"""
UPSERT_SITE: Final = """
INSERT INTO tariff_sites (site, name, tariff_id) VALUES ($1, $2, $3)
ON CONFLICT (site) DO UPDATE SET name = coalesce(excluded.name, tariff_sites.name),
    tariff_id = excluded.tariff_id, assigned_at = now()"""
SELECT_CLASSES: Final = "SELECT charger_class, tariff_id FROM tariff_class_assignments"
SELECT_SITES: Final = "SELECT site, name, tariff_id FROM tariff_sites ORDER BY site"
UPSERT_CLASS: Final = """
INSERT INTO tariff_class_assignments (charger_class, tariff_id) VALUES ($1, $2)
ON CONFLICT (charger_class) DO UPDATE SET tariff_id = excluded.tariff_id, assigned_at = now()"""


def _no_update(sql: str) -> str:
    return sql.split("ON CONFLICT")[0] + "ON CONFLICT DO NOTHING"


def _tariff_values(tariff: Tariff) -> tuple[Any, ...]:
    return (
        tariff.tariff_id,
        tariff.name,
        tariff.source,
        tariff.currency,
        tariff.tax_rate_percent,
        tariff.example,
    )


def _version_values(tariff_id: str, version: TariffVersion) -> tuple[Any, ...]:
    document = version_document(version)
    return tariff_id, version.version, version.valid_from, version.valid_to, document["components"]


async def _read_tariffs(conn: asyncpg.Connection, tariff_id: str | None) -> list[StoredTariff]:
    versions: dict[str, list[dict[str, Any]]] = {}
    for row in await conn.fetch(SELECT_VERSIONS, tariff_id):
        versions.setdefault(row["tariff_id"], []).append(
            {
                "version": row["version"],
                "valid_from": row["valid_from"].isoformat() if row["valid_from"] else None,
                "valid_to": row["valid_to"].isoformat() if row["valid_to"] else None,
                "components": row["components"],
            }
        )
    used: dict[str, dict[str, date]] = {}
    for row in await conn.fetch(SELECT_USED, tariff_id):
        used.setdefault(row["tariff_id"], {})[row["tariff_version"]] = row["last_day"]
    found = []
    for row in await conn.fetch(SELECT_TARIFFS, tariff_id):
        document = {
            "id": row["tariff_id"],
            "name": row["name"],
            "source": row["source"],
            "currency": row["currency"],
            "tax_rate_percent": row["tax_rate_percent"],
            "example": row["example"],
            "versions": versions.get(row["tariff_id"], []),
        }
        tariff = parse_document(document, "database")
        found.append(StoredTariff(tariff, used.get(tariff.tariff_id, {})))
    return found


@dataclass
class _Editing:
    conn: asyncpg.Connection
    current: StoredTariff | None

    async def write(self, tariff: Tariff, versions: Sequence[TariffVersion]) -> None:
        await self.conn.execute(UPSERT_TARIFF, *_tariff_values(tariff))
        await self.conn.executemany(
            UPSERT_VERSION, [_version_values(tariff.tariff_id, v) for v in versions]
        )
        await self.conn.execute(BUMP)


class PostgresTariffStore:
    """The ``TariffStore`` of ``csms.settlement.tariff_admin`` on a pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def editing(self, tariff_id: str) -> AsyncIterator[_Editing]:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(LOCK_TARIFF, tariff_id)
            current = await _read_tariffs(conn, tariff_id)
            yield _Editing(conn, current[0] if current else None)

    async def tariffs(self) -> list[StoredTariff]:
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            return await _read_tariffs(conn, None)  # one snapshot: versions match tariffs

    async def tariff(self, tariff_id: str) -> StoredTariff | None:
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            found = await _read_tariffs(conn, tariff_id)
        return found[0] if found else None

    async def revision(self) -> int:
        async with self._pool.acquire() as conn:
            return int(await conn.fetchval(REVISION))

    async def load(self, default_class: str | None) -> TariffCatalog:
        """Everything the catalog holds, read in one snapshot with its revision."""
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            revision = int(await conn.fetchval(REVISION))
            tariffs = {t.tariff.tariff_id: t.tariff for t in await _read_tariffs(conn, None)}
            classes = await conn.fetch(SELECT_CLASSES)
            sites = await conn.fetch(SELECT_SITES)
            stations = await _stations(conn, None)
        return TariffCatalog(
            tariffs,
            {r["charger_class"]: r["tariff_id"] for r in classes if r["tariff_id"]},
            {r["site"]: r["tariff_id"] for r in sites if r["tariff_id"]},
            stations,
            default_class=default_class,
            revision=revision,
        )

    async def station(self, station_id: str) -> StationAssignment | None:
        async with self._pool.acquire() as conn:
            return (await _stations(conn, station_id)).get(station_id)

    async def sites(self) -> list[Site]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(SELECT_SITES)
        return [Site(r["site"], r["name"], r["tariff_id"]) for r in rows]

    async def set_station(
        self, station_id: str, tariff_id: str | None, site: str | None, klass: str | None
    ) -> None:
        await self._change(UPSERT_STATION, station_id, tariff_id, site, klass)

    async def set_evse(self, station_id: str, evse_id: int, tariff_id: str | None) -> None:
        await self._change(UPSERT_EVSE, station_id, evse_id, tariff_id)

    async def set_site(self, site: str, name: str | None, tariff_id: str | None) -> None:
        await self._change(UPSERT_SITE, site, name, tariff_id)

    async def set_class(self, klass: str, tariff_id: str | None) -> None:
        await self._change(UPSERT_CLASS, klass, tariff_id)

    async def _change(self, sql: str, *args: object) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(sql, *args)
            await conn.execute(BUMP)


SELECT_STATIONS: Final = """
SELECT station_id, tariff_id, site, charger_class FROM tariff_station_assignments
WHERE $1::text IS NULL OR station_id = $1"""
SELECT_EVSES: Final = """
SELECT station_id, evse_id, tariff_id FROM tariff_evse_assignments
WHERE tariff_id IS NOT NULL AND ($1::text IS NULL OR station_id = $1)"""


async def _stations(
    conn: asyncpg.Connection, station_id: str | None
) -> dict[str, StationAssignment]:
    evses: dict[str, dict[int, str]] = {}
    for row in await conn.fetch(SELECT_EVSES, station_id):
        evses.setdefault(row["station_id"], {})[row["evse_id"]] = row["tariff_id"]
    found = {
        row["station_id"]: StationAssignment(
            row["station_id"],
            row["site"],
            row["charger_class"],
            row["tariff_id"],
            evses.pop(row["station_id"], {}),
        )
        for row in await conn.fetch(SELECT_STATIONS, station_id)
    }
    found.update({sid: StationAssignment(sid, connector_tariffs=t) for sid, t in evses.items()})
    return found
