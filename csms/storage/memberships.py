"""Memberships (migration 014, seed 002 第13条): the special prices an operator gives chosen
member accounts, their station and site tariffs and their members.

A membership is read whole in one statement (tariffs as jsonb objects, members as an
array); lists are in code-point order (``COLLATE "C"``), as the in-memory fake sorts.
What settlement reads of it is ``pricing_terms.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import asyncpg

from csms.administration.ports import Membership, MissingReferences
from csms.storage.base import Repository

_MEMBERSHIP: Final = """
SELECT m.membership_id, m.operator_id, m.name, m.tariff_id, m.created_at, m.updated_at,
       coalesce((SELECT jsonb_object_agg(s.station_id, s.tariff_id)
                 FROM membership_station_tariffs AS s
                 WHERE s.membership_id = m.membership_id), '{}') AS stations,
       coalesce((SELECT jsonb_object_agg(s.site, s.tariff_id)
                 FROM membership_site_tariffs AS s
                 WHERE s.membership_id = m.membership_id), '{}') AS sites,
       ARRAY(SELECT mm.account_id FROM membership_members AS mm
             WHERE mm.membership_id = m.membership_id
             ORDER BY mm.account_id COLLATE "C") AS members
FROM memberships AS m"""
SELECT_MEMBERSHIP: Final = _MEMBERSHIP + "\nWHERE m.membership_id = $1"
SELECT_MEMBERSHIPS: Final = (
    _MEMBERSHIP
    + "\nWHERE $1::text IS NULL OR m.operator_id = $1"
    + '\nORDER BY m.membership_id COLLATE "C"'
)
UPSERT_MEMBERSHIP: Final = """
INSERT INTO memberships (membership_id, operator_id, name, tariff_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (membership_id) DO UPDATE
SET name = excluded.name, tariff_id = excluded.tariff_id, updated_at = now()
RETURNING xmax = 0 AS created"""
# The given entries upserted, every other entry of the membership deleted (other rows).
_REPLACE: Final = """
WITH given AS (
    INSERT INTO {table} (membership_id, {key}, tariff_id)
    SELECT $1, entry.key, entry.tariff_id
    FROM unnest($2::text[], $3::text[]) AS entry(key, tariff_id)
    ON CONFLICT (membership_id, {key}) DO UPDATE SET tariff_id = excluded.tariff_id
)
DELETE FROM {table}
WHERE membership_id = $1 AND {key} <> ALL($2::text[])"""
REPLACE_STATION_TARIFFS: Final = _REPLACE.format(
    table="membership_station_tariffs", key="station_id"
)
REPLACE_SITE_TARIFFS: Final = _REPLACE.format(table="membership_site_tariffs", key="site")
INSERT_MEMBER: Final = """
INSERT INTO membership_members (membership_id, account_id)
VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING account_id"""
DELETE_MEMBER: Final = """
DELETE FROM membership_members
WHERE membership_id = $1 AND account_id = $2
RETURNING account_id"""
SELECT_MISSING: Final = """
SELECT NOT EXISTS (SELECT 1 FROM operators WHERE operator_id = $1) AS operator,
       ARRAY(SELECT t FROM unnest($2::text[]) AS t
             WHERE NOT EXISTS (SELECT 1 FROM tariffs WHERE tariff_id = t)
             ORDER BY t COLLATE "C") AS tariffs,
       ARRAY(SELECT s FROM unnest($3::text[]) AS s
             WHERE NOT EXISTS (SELECT 1 FROM tariff_sites WHERE site = s)
             ORDER BY s COLLATE "C") AS sites,
       ARRAY(SELECT s FROM unnest($4::text[]) AS s
             WHERE NOT EXISTS (
                 SELECT 1 FROM stations WHERE station_id = s AND operator_id = $1)
             ORDER BY s COLLATE "C") AS stations"""


def _membership(row: Any) -> Membership:
    return Membership(
        membership_id=row["membership_id"],
        operator_id=row["operator_id"],
        name=row["name"],
        tariff_id=row["tariff_id"],
        stations=dict(row["stations"]),
        sites=dict(row["sites"]),
        members=tuple(row["members"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def tariffs_named(membership: Membership) -> list[str]:
    """Every tariff id the membership names, once each."""
    named = [membership.tariff_id, *membership.stations.values(), *membership.sites.values()]
    return sorted({tariff_id for tariff_id in named if tariff_id is not None})


async def _replace(
    conn: asyncpg.Connection, sql: str, membership_id: str, entries: Mapping[str, str]
) -> None:
    await conn.execute(sql, membership_id, list(entries), list(entries.values()))


class PostgresMembershipRepository(Repository):
    __slots__ = ()

    async def get(self, membership_id: str) -> Membership | None:
        row = await self._conn.fetchrow(SELECT_MEMBERSHIP, membership_id)
        return _membership(row) if row is not None else None

    async def of_operator(self, operator_id: str | None) -> list[Membership]:
        """The operator's memberships (None: every operator's), by id."""
        return [_membership(row) for row in await self._conn.fetch(SELECT_MEMBERSHIPS, operator_id)]

    async def save(self, membership: Membership) -> bool:
        """Insert or change name and default tariff (the operator stays), and replace the
        station and site tariffs; members are kept. True when it was inserted."""
        created: bool = await self._conn.fetchval(
            UPSERT_MEMBERSHIP,
            membership.membership_id,
            membership.operator_id,
            membership.name,
            membership.tariff_id,
        )
        await _replace(
            self._conn, REPLACE_STATION_TARIFFS, membership.membership_id, membership.stations
        )
        await _replace(self._conn, REPLACE_SITE_TARIFFS, membership.membership_id, membership.sites)
        return created

    async def add_member(self, membership_id: str, account_id: str) -> bool:
        return await self._inserted(INSERT_MEMBER, membership_id, account_id)

    async def remove_member(self, membership_id: str, account_id: str) -> bool:
        return await self._conn.fetchval(DELETE_MEMBER, membership_id, account_id) is not None

    async def missing(self, membership: Membership) -> MissingReferences:
        row = await self._conn.fetchrow(
            SELECT_MISSING,
            membership.operator_id,
            tariffs_named(membership),
            sorted(set(membership.sites)),
            sorted(set(membership.stations)),
        )
        return MissingReferences(
            operator=row["operator"],
            tariffs=tuple(row["tariffs"]),
            sites=tuple(row["sites"]),
            stations=tuple(row["stations"]),
        )
