"""Sessions, the 2.0.1 transaction event log and app (remote) starts, in memory."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from csms.charging.models import Session, SessionState
from csms.charging.ports import (
    RemoteStartClaim,
    RemoteStartRequest,
    SeqNoEntry,
    SeqNoOutcome,
    SessionCompletion,
    SessionProgress,
    UnmatchedStop,
)
from tests.fakes.settlement import FakeMeteringRepository
from tests.fakes.store import (
    RemoteStartRow,
    SessionRow,
    Transaction,
    UniqueViolation,
    jsonb,
    stored,
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

    async def by_id(self, session_id: UUID, *, for_update: bool = False) -> Session | None:
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

    async def insert(
        self, session: Session, start_key: str | None, claim: RemoteStartClaim | None = None
    ) -> int | None:
        """Insert as started: what a stop sets (stopped_at, ...) and samples are not stored;
        with ``claim``, the app start is claimed and is the session's remote start id."""
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
        if claim is not None:
            claimed = claim_remote_start(self._tx, claim)
            if claimed is not None:
                started = dataclasses.replace(started, remote_start_id=claimed)
        row = SessionRow(stored(dataclasses.replace(started, samples=())), start_key)
        self._tx.put(self._store.sessions, session.session_id, row)
        return started.remote_start_id

    async def complete(self, session_id: UUID, completion: SessionCompletion) -> None:
        """Complete an active session; a completed one is left as it is."""
        row = self._store.sessions.get(session_id)
        if row is None or row.session.state is not SessionState.ACTIVE:
            return
        done = stored(completion)
        self._update(
            session_id,
            state=SessionState.COMPLETED,
            stopped_at=done.stopped_at,
            meter_stop_wh=done.meter_stop_wh,
            energy_wh=done.energy_wh,
            stop_reason=done.stop_reason,
            ending=jsonb(completion.ending) if completion.ending is not None else None,
        )
        self._tx.delete(self._store.interrupt_pending, session_id)
        if completion.metering is not None:  # the same UPDATE writes the metering column
            await FakeMeteringRepository(self._tx).save(session_id, completion.metering)

    async def replace_end(self, session_id: UUID, completion: SessionCompletion) -> None:
        """The station's own end of a session ended without it; other sessions unchanged."""
        row = self._store.sessions.get(session_id)
        if row is None or row.session.state is not SessionState.COMPLETED:
            return
        if row.session.ending is None:
            return
        done = stored(completion)
        self._update(
            session_id,
            stopped_at=done.stopped_at,
            meter_stop_wh=done.meter_stop_wh,
            energy_wh=done.energy_wh,
            stop_reason=done.stop_reason,
            ending=None,
        )
        if completion.metering is not None:
            await FakeMeteringRepository(self._tx).save(session_id, completion.metering)

    async def update_progress(self, session_id: UUID, progress: SessionProgress) -> None:
        """The first meter start is kept; a given seqNo, token or status replaces the old."""
        row = self._store.sessions.get(session_id)
        if row is None:
            return
        old, new = row.session, stored(progress)
        meter_start = old.meter_start_wh if old.meter_start_wh is not None else new.meter_start_wh
        energy = old.energy_wh
        if energy is None and old.meter_stop_wh is not None and meter_start is not None:
            energy = old.meter_stop_wh - meter_start  # a late start register of an ended one
        self._update(
            session_id,
            meter_start_wh=meter_start,
            energy_wh=energy,
            last_seq_no=new.last_seq_no if new.last_seq_no is not None else old.last_seq_no,
            offline=new.offline,
            id_token=new.id_token if new.id_token is not None else old.id_token,
            token_kind=new.token_kind if new.token_kind is not None else old.token_kind,
            authorization_status=new.authorization_status
            if new.authorization_status is not None
            else old.authorization_status,
            started_at=min(old.started_at, new.started_at or old.started_at),
            evse_id=old.evse_id if old.evse_id is not None else new.evse_id,
            connector_id=old.connector_id if old.connector_id is not None else new.connector_id,
        )

    async def open_on_evse(self, station_id: str, evse_id: int) -> list[Session]:
        rows = self._find(station_id, evse_id=evse_id, state=SessionState.ACTIVE)
        return sorted((row.session for row in rows), key=lambda s: s.started_at)

    def _heard(self, session: Session) -> tuple[int, int]:
        """The last sample id and the number of events of a session: what was heard of it."""
        samples = [
            r.sample_id for r in self._store.samples.values() if r.session_id == session.session_id
        ]
        key = (session.station_id, session.transaction_id)
        events = sum(k[:2] == key for k in self._store.transaction_events)
        events += sum(k[:2] == key for k in self._store.reused_events)
        return max(samples, default=0), events

    async def mark_interrupt_pending(self, station_id: str) -> int:
        rows = self._find(station_id, state=SessionState.ACTIVE)
        for row in rows:
            mark = (self._tx.now(), *self._heard(row.session))
            self._tx.put(self._store.interrupt_pending, row.session.session_id, mark)
        return len(rows)

    async def interrupt_due(self, station_id: str, grace_s: float) -> list[Session]:
        due = []
        for row in self._find(station_id, state=SessionState.ACTIVE):
            mark = self._store.interrupt_pending.get(row.session.session_id)
            if mark is None or mark[0] > self._tx.now() - timedelta(seconds=grace_s):
                continue
            if self._heard(row.session) == mark[1:]:
                due.append(row.session)
        return sorted(due, key=lambda s: s.started_at)


class FakeTransactionLog:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def record_event_seq(self, entry: SeqNoEntry) -> SeqNoOutcome:
        """A replay (this seqNo and content seen), a reused seqNo (kept, flagged) or new;
        a new one fills its gap and records those below (a Started: none below, and those
        recorded below it go)."""
        store = self._store
        station_id, transaction_id, seq_no = entry.station_id, entry.transaction_id, entry.seq_no
        key = (station_id, transaction_id, seq_no)
        first = store.transaction_events.get(key)
        if first is not None:
            reused_key = (*key, entry.digest)
            if first.digest in (entry.digest, "") or reused_key in store.reused_events:
                return SeqNoOutcome.REPLAY
            kept = dataclasses.replace(stored(entry), seq_no_reused=True)
            self._tx.put(store.reused_events, reused_key, kept)
            self._bump(entry)
            return SeqNoOutcome.REUSED
        below = [
            seen
            for (sid, tid, seen) in store.transaction_events
            if (sid, tid) == (station_id, transaction_id) and seen < seq_no
        ]
        first_missing = max(below) + 1 if below else 0
        self._tx.put(store.transaction_events, key, stored(entry))
        self._tx.delete(store.seq_no_gaps, key)
        if entry.event_type == "Started":
            for gap in [g for g in store.seq_no_gaps if g[:2] == key[:2] and g[2] < seq_no]:
                self._tx.delete(store.seq_no_gaps, gap)
            first_missing = seq_no
        for gap in range(first_missing, seq_no)[:_MAX_GAPS_PER_EVENT]:
            if (station_id, transaction_id, gap) not in store.seq_no_gaps:
                self._tx.put(store.seq_no_gaps, (station_id, transaction_id, gap), self._tx.now())
        self._bump(entry)
        return SeqNoOutcome.NEW

    def _bump(self, entry: SeqNoEntry) -> None:
        """``sessions.last_seq_no``: the greatest seqNo seen of the transaction."""
        store, seq_no = self._store, entry.seq_no
        for row in store.sessions.values():
            session = row.session
            if (session.station_id, session.transaction_id) == (
                entry.station_id,
                entry.transaction_id,
            ):
                last = seq_no if session.last_seq_no is None else max(session.last_seq_no, seq_no)
                bumped = dataclasses.replace(session, last_seq_no=last)
                self._tx.put(store.sessions, session.session_id, SessionRow(bumped, row.start_key))

    async def record_unmatched_stop(self, stop: UnmatchedStop) -> bool:
        """False when this transaction's stop was already kept."""
        key = (stop.station_id, stop.transaction_id)
        if key in self._store.unmatched_stops:
            return False
        kept = dataclasses.replace(stored(stop), details=jsonb(stop.details))
        self._tx.put(self._store.unmatched_stops, key, kept)
        return True


class FakeRemoteStartRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.remote_starts

    async def add(self, request: RemoteStartRequest) -> int:
        self._tx.require(self._tx.store.accounts, request.account_id, "account")
        remote_start_id = self._tx.store.next_id("remote_starts")
        row = RemoteStartRow(remote_start_id, **dataclasses.asdict(request))
        self._tx.put(self._rows, remote_start_id, stored(row))
        return remote_start_id


def claim_remote_start(tx: Transaction, claim: RemoteStartClaim) -> int | None:
    """The named start, or without a name the latest for this card since ``since``."""
    rows = tx.store.remote_starts
    waiting = [
        row
        for row in rows.values()
        if row.station_id == claim.station_id
        and row.session_id is None
        and (
            row.remote_start_id == claim.remote_start_id
            or (
                claim.remote_start_id is None
                and row.id_token == claim.id_token
                and row.requested_at >= claim.since
            )
        )
    ]
    if not waiting:
        return None
    claimed = max(waiting, key=lambda row: row.requested_at)
    tx.put(rows, claimed.remote_start_id, dataclasses.replace(claimed, session_id=claim.session_id))
    return claimed.remote_start_id


class FakeReservationUse:
    """Which session used which reservation, as the stations said (``store.reservation_uses``)."""

    def __init__(self, tx: Transaction) -> None:
        self._uses = tx.store.reservation_uses

    async def use(
        self, station_id: str, ocpp_reservation_id: int, session_id: UUID, at: datetime
    ) -> bool:
        key = (station_id, ocpp_reservation_id)
        if key in self._uses:
            return False
        self._uses[key] = session_id
        return True
