"""Sessions, the 2.0.1 transaction event log and app (remote) starts, in memory."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import Session, SessionState
from tests.fakes.store import (
    RemoteStartRow,
    SessionRow,
    Transaction,
    TransactionEventRow,
    UniqueViolation,
    UnmatchedStop,
    jsonb,
    numeric,
    stored,
    utc,
)

_MAX_GAPS_PER_EVENT = 1000  # RECORD_TRANSACTION_EVENT's LIMIT


class FakeSessionRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    def _find(self, station_id: str, **match: object) -> list[SessionRow]:
        return [
            row
            for row in self._store.sessions.values()
            if row.session.station_id == station_id
            and all(getattr(row.session, k, None) == v for k, v in match.items())
        ]

    def _update(self, session_id: UUID, **changes: Any) -> None:
        row = self._store.sessions[session_id]
        session = dataclasses.replace(row.session, **changes)
        self._tx.put(self._store.sessions, session_id, dataclasses.replace(row, session=session))

    async def next_transaction_id(self) -> int:
        return next(self._store.transaction_ids)

    async def by_start_key(self, station_id: str, start_key: str) -> Session | None:
        rows = [row for row in self._find(station_id) if row.start_key == start_key]
        return rows[0].session if rows else None

    async def by_id(self, session_id: UUID) -> Session | None:
        row = self._store.sessions.get(session_id)
        return row.session if row else None

    async def latest_of_station(self, station_id: str) -> Session | None:
        rows = self._find(station_id)
        return max(rows, key=lambda row: row.session.started_at).session if rows else None

    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None:
        rows = self._find(station_id, transaction_id=transaction_id)
        return rows[0].session if rows else None

    async def insert(self, session: Session, start_key: str | None) -> None:
        """Insert as started: what a stop sets (stopped_at, ...) and samples are not stored."""
        if session.session_id in self._store.sessions:
            raise UniqueViolation(f"session {session.session_id} exists")
        if self._find(session.station_id, transaction_id=session.transaction_id):
            raise UniqueViolation(f"transaction {session.transaction_id} exists")
        if start_key is not None and await self.by_start_key(session.station_id, start_key):
            raise UniqueViolation(f"start key {start_key} exists")
        self._tx.require(self._store.stations, session.station_id, "station")
        self._tx.require(self._store.visitors, session.visitor_id, "visitor")
        started = dataclasses.replace(
            session, stopped_at=None, meter_stop_wh=None, energy_wh=None, stop_reason=None
        )
        row = SessionRow(stored(dataclasses.replace(started, samples=())), start_key)
        self._tx.put(self._store.sessions, session.session_id, row)

    async def complete(
        self,
        session_id: UUID,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        energy_wh: Decimal | None,
        stop_reason: str | None,
    ) -> None:
        """Complete an active session; a completed one is left as it is."""
        row = self._store.sessions.get(session_id)
        if row is None or row.session.state is not SessionState.ACTIVE:
            return
        self._update(
            session_id,
            state=SessionState.COMPLETED,
            stopped_at=utc(stopped_at),
            meter_stop_wh=numeric(meter_stop_wh),
            energy_wh=numeric(energy_wh),
            stop_reason=stop_reason,
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
        """The first meter start is kept; a given seqNo, token or status replaces the old."""
        row = self._store.sessions.get(session_id)
        if row is None:
            return
        old = row.session
        self._update(
            session_id,
            meter_start_wh=old.meter_start_wh
            if old.meter_start_wh is not None
            else numeric(meter_start_wh),
            last_seq_no=last_seq_no if last_seq_no is not None else old.last_seq_no,
            offline=offline,
            id_token=id_token if id_token is not None else old.id_token,
            token_kind=token_kind if token_kind is not None else old.token_kind,
            authorization_status=authorization_status
            if authorization_status is not None
            else old.authorization_status,
        )


class FakeTransactionLog:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

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
        """False for a seqNo seen before; a new one fills its gap and records those below."""
        store = self._store
        key = (station_id, transaction_id, seq_no)
        if key in store.transaction_events:
            return False
        below = [
            seen
            for (sid, tid, seen) in store.transaction_events
            if (sid, tid) == (station_id, transaction_id) and seen < seq_no
        ]
        first_missing = max(below) + 1 if below else 0
        event = TransactionEventRow(
            station_id, transaction_id, seq_no, kind, trigger_reason, occurred_at, offline
        )
        self._tx.put(store.transaction_events, key, stored(event))
        self._tx.delete(store.seq_no_gaps, key)
        for gap in range(first_missing, seq_no)[:_MAX_GAPS_PER_EVENT]:
            if (station_id, transaction_id, gap) not in store.seq_no_gaps:
                self._tx.put(store.seq_no_gaps, (station_id, transaction_id, gap), self._tx.now())
        for row in store.sessions.values():
            session = row.session
            if (session.station_id, session.transaction_id) == (station_id, transaction_id):
                last = seq_no if session.last_seq_no is None else max(session.last_seq_no, seq_no)
                bumped = dataclasses.replace(session, last_seq_no=last)
                self._tx.put(store.sessions, session.session_id, SessionRow(bumped, row.start_key))
        return True

    async def record_unmatched_stop(
        self,
        station_id: str,
        transaction_id: str,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        reason: str | None,
        payload: dict[str, object],
    ) -> bool:
        """False when this transaction's stop was already kept."""
        key = (station_id, transaction_id)
        if key in self._store.unmatched_stops:
            return False
        stop = UnmatchedStop(
            station_id, transaction_id, stopped_at, meter_stop_wh, reason, jsonb(payload)
        )
        self._tx.put(self._store.unmatched_stops, key, stored(stop))
        return True


class FakeRemoteStartRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.remote_starts

    async def claim(
        self,
        station_id: str,
        id_token: str,
        remote_start_id: int | None,
        since: datetime,
        session_id: UUID,
    ) -> int | None:
        """The named start, or without a name the latest for this card since ``since``."""
        waiting = [
            row
            for row in self._rows.values()
            if row.station_id == station_id
            and row.session_id is None
            and (
                row.remote_start_id == remote_start_id
                or (
                    remote_start_id is None
                    and row.id_token == id_token
                    and row.requested_at >= since
                )
            )
        ]
        if not waiting:
            return None
        claimed = max(waiting, key=lambda row: row.requested_at)
        kept = dataclasses.replace(claimed, session_id=session_id)
        self._tx.put(self._rows, claimed.remote_start_id, kept)
        return claimed.remote_start_id

    async def add(
        self,
        station_id: str,
        evse_id: int,
        id_token: str,
        account_id: str | None,
        requested_at: datetime,
    ) -> int:
        self._tx.require(self._tx.store.accounts, account_id, "account")
        remote_start_id = self._tx.store.next_id("remote_starts")
        row = RemoteStartRow(
            remote_start_id, station_id, evse_id, id_token, account_id, requested_at
        )
        self._tx.put(self._rows, remote_start_id, stored(row))
        return remote_start_id
