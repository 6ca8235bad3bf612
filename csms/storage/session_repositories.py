"""Sessions, samples, transaction events and statements in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import Session
from csms.settlement.models import MeterSample, Statement
from csms.storage import sql
from csms.storage.rows import (
    line_json,
    reading_columns,
    sample_from_row,
    session_from_row,
    statement_from_row,
)


class PostgresSessionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def next_transaction_id(self) -> int:
        value: int = await self._conn.fetchval(sql.NEXT_TRANSACTION_ID)
        return value

    async def by_start_key(self, station_id: str, start_key: str) -> Session | None:
        row = await self._conn.fetchrow(sql.SELECT_SESSION_BY_START_KEY, station_id, start_key)
        return session_from_row(row) if row else None

    async def latest_of_station(self, station_id: str) -> Session | None:
        row = await self._conn.fetchrow(sql.SELECT_LATEST_SESSION_OF_STATION, station_id)
        return session_from_row(row) if row else None

    async def by_id(self, session_id: UUID) -> Session | None:
        row = await self._conn.fetchrow(sql.SELECT_SESSION_BY_ID, session_id)
        return session_from_row(row) if row else None

    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None:
        query = (
            sql.SELECT_SESSION_BY_TRANSACTION_FOR_UPDATE
            if for_update
            else sql.SELECT_SESSION_BY_TRANSACTION
        )
        row = await self._conn.fetchrow(query, station_id, transaction_id)
        return session_from_row(row) if row else None

    async def insert(self, session: Session, start_key: str | None) -> None:
        await self._conn.execute(
            sql.INSERT_SESSION,
            session.session_id,
            session.station_id,
            session.evse_id,
            session.connector_id,
            session.transaction_id,
            session.ocpp_version,
            session.id_token,
            session.token_kind.value if session.token_kind else None,
            session.authorization_status.value if session.authorization_status else None,
            session.started_at,
            session.meter_start_wh,
            session.state.value,
            start_key,
            session.offline,
            session.last_seq_no,
            session.visitor_id,
            session.remote_start_id,
            session.flag,
        )

    async def complete(
        self,
        session_id: UUID,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        energy_wh: Decimal | None,
        stop_reason: str | None,
    ) -> None:
        await self._conn.execute(
            sql.UPDATE_SESSION_COMPLETED,
            session_id,
            stopped_at,
            meter_stop_wh,
            energy_wh,
            stop_reason,
        )

    async def update_progress(
        self,
        session_id: UUID,
        *,
        meter_start_wh: Decimal | None,
        last_seq_no: int | None,
        offline: bool,
        id_token: str | None,
        token_kind: TokenKind | None,
        authorization_status: TokenStatus | None,
    ) -> None:
        await self._conn.execute(
            sql.UPDATE_SESSION_PROGRESS,
            session_id,
            meter_start_wh,
            last_seq_no,
            offline,
            id_token,
            token_kind.value if token_kind else None,
            authorization_status.value if authorization_status else None,
        )

    async def add_samples(
        self,
        station_id: str,
        evse_id: int | None,
        transaction_id: str | None,
        session_id: UUID | None,
        samples: Sequence[MeterSample],
    ) -> int:
        if not samples:
            return 0
        await self._conn.executemany(
            sql.INSERT_SAMPLE,
            [
                (
                    session_id,
                    station_id,
                    evse_id,
                    transaction_id,
                    *reading_columns(s),
                    s.signed_data,
                    s.signing_method,
                    s.encoding_method,
                    s.public_key,
                )
                for s in samples
            ],
        )
        return len(samples)

    async def samples_of(self, session_id: UUID) -> list[MeterSample]:
        rows = await self._conn.fetch(sql.SELECT_SAMPLES_OF_SESSION, session_id)
        return [sample_from_row(row) for row in rows]

    async def record_event_seq(
        self,
        station_id: str,
        transaction_id: str,
        seq_no: int,
        kind: str,
        trigger_reason: str,
        occurred_at: datetime,
        offline: bool,
    ) -> bool:
        inserted = await self._conn.fetchval(
            sql.RECORD_TRANSACTION_EVENT,
            station_id,
            transaction_id,
            seq_no,
            kind,
            trigger_reason,
            occurred_at,
            offline,
        )
        return bool(inserted)

    async def claim_remote_start(
        self,
        station_id: str,
        id_token: str,
        remote_start_id: int | None,
        since: datetime,
        session_id: UUID,
    ) -> int | None:
        value: int | None = await self._conn.fetchval(
            sql.CLAIM_REMOTE_START, station_id, id_token, remote_start_id, since, session_id
        )
        return value

    async def add_remote_start(
        self,
        station_id: str,
        evse_id: int,
        id_token: str,
        account_id: str | None,
        requested_at: datetime,
    ) -> int:
        value: int = await self._conn.fetchval(
            sql.INSERT_REMOTE_START, station_id, evse_id, id_token, account_id, requested_at
        )
        return value

    async def record_unmatched_stop(
        self,
        station_id: str,
        transaction_id: str,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        reason: str | None,
        payload: dict[str, object],
    ) -> bool:
        inserted = await self._conn.fetchval(
            sql.INSERT_UNMATCHED_STOP,
            station_id,
            transaction_id,
            stopped_at,
            meter_stop_wh,
            reason,
            payload,
        )
        return inserted is not None


class PostgresStatementRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, statement: Statement) -> bool:
        """Insert; False when the session already has its original (a replayed stop)."""
        inserted = await self._conn.fetchval(
            sql.INSERT_STATEMENT,
            statement.statement_id,
            statement.session_id,
            statement.status.value,
            statement.corrects,
            statement.correction_reason,
            statement.tariff_id,
            statement.tariff_version,
            statement.currency,
            [line_json(line) for line in statement.lines],
            statement.total,
            statement.tax_included,
            statement.tax_rate_percent,
            statement.waiver,
            statement.unpriced_reason,
            statement.inputs,
        )
        return inserted is not None

    async def of_session(self, session_id: UUID) -> list[Statement]:
        rows = await self._conn.fetch(sql.SELECT_STATEMENTS_OF_SESSION, session_id)
        return [statement_from_row(row) for row in rows]
