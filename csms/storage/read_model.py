"""Queries for the operator API over the pool; plain dicts of core values, or core models.

Tenancy is in the queries: every read takes ``scope``, the operator whose data the caller
may see (None: every operator), and a row outside it is not found, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

import asyncpg

from csms.administration.ports import SessionQuery, StatementRange
from csms.authorization.models import TokenRecord
from csms.charging.models import Session
from csms.settlement.models import MeterRecord, Statement
from csms.storage.base import Query
from csms.storage.meters import METER, PostgresMeterRepository
from csms.storage.samples import SELECT_SAMPLES_OF_SESSION
from csms.storage.sessions import SELECT_SESSION_BY_ID, SESSION
from csms.storage.signed_records import PostgresSignedRecordRepository
from csms.storage.statements import STATEMENT, PostgresStatementRepository
from csms.storage.station_status import operation_status
from csms.storage.stations import SELECT_STATION
from csms.storage.tokens import TOKEN

_OF_OPERATOR: Final = "station_id IN (SELECT station_id FROM stations WHERE operator_id = {})"
SELECT_STATIONS: Final = """
SELECT station_id, operator_id, vendor, model, serial_number, firmware_version, ocpp_version,
       connected, connected_at, last_seen_at, last_boot_at, created_at, security_profile,
       coalesce((SELECT jsonb_agg(jsonb_build_object('evse_id', c.evse_id,
                                                      'connector_id', c.connector_id,
                                                      'status', c.status)
                                   ORDER BY c.evse_id, c.connector_id)
                 FROM connectors c WHERE c.station_id = s.station_id), '[]') AS connectors,
       (SELECT a.site FROM tariff_station_assignments a WHERE a.station_id = s.station_id)
           AS site
FROM stations s
WHERE ($1::text IS NULL OR operator_id = $1)
ORDER BY station_id"""
SELECT_SCOPED_STATION: Final = SELECT_STATION.then("  AND ($2::text IS NULL OR operator_id = $2)")
SELECT_SCOPED_SESSION: Final = SELECT_SESSION_BY_ID.then(
    f"  AND ($2::text IS NULL OR {_OF_OPERATOR.format('$2')})"
)
SELECT_CONNECTORS_OF_STATION: Final = """
SELECT evse_id, connector_id, status, error_code, status_at
FROM connectors
WHERE station_id = $1
ORDER BY evse_id, connector_id"""
# When the central system last heard of a session: its start, its last sample, its last
# transaction event (the station's time or ours, whichever is later).
_LAST_HEARD: Final = """
LEFT JOIN LATERAL (SELECT greatest(sessions.started_at,
                                   (SELECT max(greatest(m.sampled_at, m.received_at))
                                    FROM meter_samples AS m
                                    WHERE m.session_id = sessions.session_id),
                                   (SELECT max(greatest(e.occurred_at, e.received_at))
                                    FROM transaction_events AS e
                                    WHERE e.station_id = sessions.station_id
                                      AND e.transaction_id = sessions.transaction_id))
                   AS at) AS heard ON true"""
# Each session with its latest statement's status and total, newest first; $5: only active
# sessions not heard of since then (stale); $10, $11: the keyset after which a page starts.
SELECT_SESSIONS: Final = f"""
SELECT {SESSION.sql},
       latest.status AS statement_status, latest.total AS statement_total,
       heard.at AS last_heard_at
FROM sessions
LEFT JOIN LATERAL (SELECT status, total
                   FROM statements
                   WHERE statements.session_id = sessions.session_id
                   ORDER BY issued_at DESC
                   LIMIT 1) AS latest ON true{_LAST_HEARD}
WHERE ($1::text IS NULL OR station_id = $1) AND ($2::text IS NULL OR state = $2)
  AND ($4::text IS NULL OR {_OF_OPERATOR.format("$4")})
  AND ($5::timestamptz IS NULL OR (state = 'active' AND heard.at < $5))
  AND ($6::text IS NULL OR upper(id_token) = upper($6))  -- stored as sent, matched in any case
  AND ($7::timestamptz IS NULL OR started_at >= $7)
  AND ($8::timestamptz IS NULL OR started_at < $8)
  AND ($9::text IS NULL OR {_OF_OPERATOR.format("$9")})
  AND ($10::timestamptz IS NULL OR (started_at, session_id) < ($10, $11::uuid))
ORDER BY started_at DESC, session_id DESC
LIMIT $3"""  # noqa: S608 (a constant column list)
COUNT_STALE_SESSIONS: Final = f"""
SELECT count(*)
FROM sessions{_LAST_HEARD}
WHERE state = 'active' AND heard.at < $1"""  # noqa: S608 (a constant clause)
# Statements issued in [$1, $2) of sessions within scope $3 and operator $4, in issue order.
_SESSION_OF_OPERATOR: Final = (
    f"session_id IN (SELECT session_id FROM sessions WHERE {_OF_OPERATOR})"  # noqa: S608
)
SELECT_STATEMENTS_ISSUED: Final = Query(
    STATEMENT,
    "FROM statements",
    "WHERE ($1::timestamptz IS NULL OR issued_at >= $1)"
    " AND ($2::timestamptz IS NULL OR issued_at < $2)"
    f" AND ($3::text IS NULL OR {_SESSION_OF_OPERATOR.format('$3')})"
    f" AND ($4::text IS NULL OR {_SESSION_OF_OPERATOR.format('$4')})",
    "ORDER BY issued_at, statement_id",
)
SELECT_SESSIONS_BY_ID: Final = Query(SESSION, "FROM sessions", "WHERE session_id = ANY($1)")
SELECT_TOKENS: Final = Query(
    TOKEN, "FROM id_tokens", "WHERE ($1::text IS NULL OR operator_id = $1)", "ORDER BY id_token"
)
SELECT_METERS: Final = Query(
    METER,
    "FROM meters",
    f"WHERE ($1::text IS NULL OR {_OF_OPERATOR.format('$1')})",
    "ORDER BY serial",
)


def jsonable_session(session: Session) -> dict[str, Any]:
    return {
        "session_id": str(session.session_id),
        "station_id": session.station_id,
        "evse_id": session.evse_id,
        "connector_id": session.connector_id,
        "transaction_id": session.transaction_id,
        "ocpp_version": session.ocpp_version,
        "id_token": session.id_token,
        "token_kind": session.token_kind,
        "authorization_status": session.authorization_status,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "meter_start_wh": session.meter_start_wh,
        "meter_stop_wh": session.meter_stop_wh,
        "energy_wh": session.energy_wh,
        "stop_reason": session.stop_reason,
        "state": session.state,
        "offline": session.offline,
        "last_seq_no": session.last_seq_no,
        "ending": session.ending,
    }


class PostgresReadModel:
    """Queries for the operator API; returns plain dicts of core values."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def ping(self) -> bool:
        async with self._pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT true"))

    async def list_stations(self, scope: str | None = None) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            return [dict(row) for row in await conn.fetch(SELECT_STATIONS, scope)]

    async def station(self, station_id: str, scope: str | None = None) -> dict[str, object] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(SELECT_SCOPED_STATION.sql, station_id, scope)
            if row is None:
                return None
            result = dict(row)
            result["connectors"] = [
                dict(r) for r in await conn.fetch(SELECT_CONNECTORS_OF_STATION, station_id)
            ]
            result.update(await operation_status(conn, station_id))  # firmware, diagnostics
            return result

    async def list_sessions(
        self, query: SessionQuery, scope: str | None = None
    ) -> list[dict[str, object]]:
        """Sessions, newest first, as ``query`` wants them (within ``scope``)."""
        before_at, before_id = query.before if query.before is not None else (None, None)
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                SELECT_SESSIONS,
                query.station_id,
                query.state.value if query.state else None,
                query.limit,
                scope,
                query.stale_before,
                query.id_token,
                query.started_from,
                query.started_to,
                query.operator_id,
                before_at,
                before_id,
            )
        return [
            {
                **jsonable_session(SESSION(row)),
                "statement_status": row["statement_status"],
                "total": row["statement_total"],
                "last_heard_at": row["last_heard_at"],
            }
            for row in rows
        ]

    async def statements_issued(
        self, wanted: StatementRange, scope: str | None = None
    ) -> list[tuple[Statement, Session]]:
        """The statements issued in the range (within ``scope``), oldest first, each with its
        session."""
        async with self._pool.acquire() as conn:
            statements = await SELECT_STATEMENTS_ISSUED.many(
                conn, wanted.issued_from, wanted.issued_to, scope, wanted.operator_id
            )
            ids = list({s.session_id for s in statements if s.session_id is not None})
            sessions = {s.session_id: s for s in await SELECT_SESSIONS_BY_ID.many(conn, ids)}
        return [
            (statement, sessions[statement.session_id])
            for statement in statements
            if statement.session_id is not None  # a session's (its query joins sessions)
        ]

    async def count_stale_sessions(self, stale_before: datetime) -> int:
        """Active sessions of every operator not heard of since ``stale_before`` (a gauge)."""
        async with self._pool.acquire() as conn:
            return int(await conn.fetchval(COUNT_STALE_SESSIONS, stale_before))

    async def session(self, session_id: UUID, scope: str | None = None) -> dict[str, object] | None:
        async with self._pool.acquire() as conn:
            session = await SELECT_SCOPED_SESSION.one(conn, session_id, scope)
            if session is None:
                return None
            samples = await conn.fetch(SELECT_SAMPLES_OF_SESSION.sql, session_id)
        result = jsonable_session(session)
        result["samples"] = [dict(r) for r in samples]
        return result

    async def statements(self, session_id: UUID, scope: str | None = None) -> list[Statement]:
        """The session's statements, oldest first; none when the session is out of scope."""
        async with self._pool.acquire() as conn:
            if (
                scope is not None
                and await SELECT_SCOPED_SESSION.one(conn, session_id, scope) is None
            ):
                return []
            return await PostgresStatementRepository(conn).of_session(session_id)

    async def signed_data(
        self, session_id: UUID, scope: str | None = None
    ) -> dict[str, object] | None:
        """The raw signed records of a session and its meter's key, for independent checks."""
        async with self._pool.acquire() as conn:
            session = await SELECT_SCOPED_SESSION.one(conn, session_id, scope)
            if session is None:
                return None
            records = await PostgresSignedRecordRepository(conn).of_session(session_id)
            meter = None
            if session.evse_id is not None:  # no connector named: no meter measured it
                meter = await PostgresMeterRepository(conn).meter_for(
                    session.station_id, session.evse_id, session.started_at
                )
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

    async def list_meters(self, scope: str | None = None) -> list[MeterRecord]:
        async with self._pool.acquire() as conn:
            return await SELECT_METERS.many(conn, scope)

    async def list_tokens(self, scope: str | None = None) -> list[TokenRecord]:
        async with self._pool.acquire() as conn:
            return await SELECT_TOKENS.many(conn, scope)
