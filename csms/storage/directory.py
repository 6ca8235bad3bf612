"""The operator's lists (``administration.ports.Directory``): operators, member accounts and a
station's latest kept messages (``station_events``), each within the caller's operator."""

from __future__ import annotations

from typing import Final

import asyncpg

OPERATORS: Final = """
SELECT operator_id, name, local_list_version, created_at FROM operators
WHERE ($1::text IS NULL OR operator_id = $1) ORDER BY operator_id LIMIT 1000"""
ACCOUNTS: Final = """
SELECT account_id, operator_id, name, email, status, expires_at, group_id, last_used_at,
       created_at
FROM accounts WHERE ($1::text IS NULL OR operator_id = $1) ORDER BY account_id LIMIT 1000"""
STATION: Final = """
SELECT 1 FROM stations WHERE station_id = $1 AND ($2::text IS NULL OR operator_id = $2)"""
MESSAGES: Final = """
SELECT kind, occurred_at, received_at, payload FROM station_events
WHERE station_id = $1 ORDER BY received_at DESC LIMIT $2"""


class PostgresDirectory:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def operators(self, scope: str | None) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            return [dict(row) for row in await conn.fetch(OPERATORS, scope)]

    async def accounts(self, scope: str | None) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            return [dict(row) for row in await conn.fetch(ACCOUNTS, scope)]

    async def station_messages(
        self, station_id: str, scope: str | None, limit: int
    ) -> list[dict[str, object]] | None:
        async with self._pool.acquire() as conn:
            if await conn.fetchval(STATION, station_id, scope) is None:
                return None
            return [dict(row) for row in await conn.fetch(MESSAGES, station_id, limit)]
