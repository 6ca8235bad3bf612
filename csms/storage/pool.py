"""The asyncpg pool: JSON codecs and no per-release reset."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any, Final

import asyncpg


def json_text(value: Any) -> str:
    """JSON for jsonb columns; Decimals (parsed station payloads) are written exactly."""
    return json.dumps(
        value, default=lambda v: str(v) if isinstance(v, Decimal) else repr(v), ensure_ascii=False
    )


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json_text, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release without asyncpg's default reset query (one round trip per use saved).

    Safe because we keep no session state: every unit of work is a closed transaction,
    we never LISTEN, SET or take session advisory locks (the migration lock is per
    transaction), and open cursors live only inside transactions.
    """


async def create_pool(dsn: str, size: int) -> asyncpg.Pool:
    """A connection pool with JSON codecs; the caller closes it."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=size,
        init=_init_connection,
        command_timeout=60,
        reset=_keep_session,
        statement_cache_size=512,
    )
    assert pool is not None
    return pool


# What asyncpg raises while the database is away: refused or lost connections, a server
# shutting down, crashed or still recovering (the API answers them 503).
DATABASE_UNAVAILABLE: Final[tuple[type[BaseException], ...]] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)


class DatabasePing:
    """``await ping()``: whether the database answers ``SELECT 1`` within ``timeout_s``.

    On a connection of its own, so a pool busy with real work is never taken for an outage;
    it is opened again after a failure. Never raises.
    """

    def __init__(self, dsn: str, timeout_s: float = 2.0) -> None:
        self._dsn = dsn
        self._timeout_s = timeout_s
        self._conn: asyncpg.Connection | None = None

    async def __call__(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                if self._conn is None or self._conn.is_closed():
                    self._conn = await asyncpg.connect(self._dsn)
                return bool(await self._conn.fetchval("SELECT 1"))
        except Exception:  # any failure is "does not answer"; the watch logs the outage
            await self.close()
            return False

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()
