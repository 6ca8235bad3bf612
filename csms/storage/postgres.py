"""The unit of work and the read model over the PostgreSQL repositories (style.md §7).

Repositories return core models, never ``asyncpg.Record``. ``numeric`` columns come back
as ``Decimal``; nothing here converts energy or money to float.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from csms.authorization.models import TokenRecord
from csms.charging.models import SessionState
from csms.settlement.models import MeterRecord, Statement
from csms.storage import sql
from csms.storage.pool import create_pool, drain_outbox
from csms.storage.session_repositories import (
    PostgresSessionRepository,
    PostgresStatementRepository,
)
from csms.storage.station_repositories import PostgresStationRepository, PostgresTokenRepository
from csms.storage.visitor_repositories import PostgresMeterRepository, PostgresVisitorRepository

__all__ = ["PostgresReadModel", "PostgresUnitOfWorkProvider", "create_pool", "drain_outbox"]
from csms.storage.rows import jsonable_session, meter_from_row, session_from_row, token_from_row


class PostgresUnitOfWork:
    """One transaction on one pooled connection; every repository shares it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.stations = PostgresStationRepository(conn)
        self.tokens = PostgresTokenRepository(conn)
        self.sessions = PostgresSessionRepository(conn)
        self.statements = PostgresStatementRepository(conn)
        self.visitors = PostgresVisitorRepository(conn)
        self.meters = PostgresMeterRepository(conn)


class PostgresUnitOfWorkProvider:
    """``async with provider() as uow:`` commits on a clean exit, rolls back on an error."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def __call__(self, *, atomic: bool = True) -> AsyncIterator[PostgresUnitOfWork]:
        async with self._pool.acquire() as conn:
            if not atomic:  # each statement commits on its own: two round trips saved
                yield PostgresUnitOfWork(conn)
                return
            async with conn.transaction():
                yield PostgresUnitOfWork(conn)


class PostgresReadModel:
    """Queries for the operator API; returns plain dicts of core values."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def ping(self) -> bool:
        async with self._pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT true"))

    async def list_stations(self) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            return [dict(row) for row in await conn.fetch(sql.SELECT_STATIONS)]

    async def station(self, station_id: str) -> dict[str, object] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(sql.SELECT_STATION, station_id)
            if row is None:
                return None
            result = dict(row)
            result["connectors"] = [
                dict(r) for r in await conn.fetch(sql.SELECT_CONNECTORS_OF_STATION, station_id)
            ]
            return result

    async def list_sessions(
        self, station_id: str | None, state: SessionState | None, limit: int
    ) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                sql.SELECT_SESSIONS, station_id, state.value if state else None, limit
            )
        return [
            {
                **jsonable_session(session_from_row(row)),
                "statement_status": row["statement_status"],
                "total": row["statement_total"],
            }
            for row in rows
        ]

    async def session(self, session_id: UUID) -> dict[str, object] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(sql.SELECT_SESSION_BY_ID, session_id)
            if row is None:
                return None
            samples = await conn.fetch(sql.SELECT_SAMPLES_OF_SESSION, session_id)
        result = jsonable_session(session_from_row(row))
        result["samples"] = [dict(r) for r in samples]
        return result

    async def statements(self, session_id: UUID) -> list[Statement]:
        async with self._pool.acquire() as conn:
            return await PostgresStatementRepository(conn).of_session(session_id)

    async def signed_data(self, session_id: UUID) -> dict[str, object] | None:
        """The raw signed records of a session and its meter's key, for independent checks."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(sql.SELECT_SESSION_BY_ID, session_id)
            if row is None:
                return None
            session = session_from_row(row)
            meters = PostgresMeterRepository(conn)
            records = await meters.signed_records_of(session_id)
            meter = await meters.meter_for(session.station_id, session.evse_id, session.started_at)
        return {
            "session_id": session_id,
            "meter": {**meter.identity(), "public_key": meter.public_key} if meter else None,
            "records": [
                {
                    "carrier": r.carrier,
                    "raw": r.raw,
                    "ocmf": r.ocmf,
                    "public_key_sent_by_station": r.public_key,
                    "parse_error": r.parse_error,
                    "received_at": r.received_at,
                }
                for r in records
            ],
        }

    async def list_meters(self) -> list[MeterRecord]:
        async with self._pool.acquire() as conn:
            return [meter_from_row(row) for row in await conn.fetch(sql.SELECT_METERS)]

    async def list_tokens(self) -> list[TokenRecord]:
        async with self._pool.acquire() as conn:
            return [token_from_row(row) for row in await conn.fetch(sql.SELECT_TOKENS)]
