"""Fakes of the ports around the database: station gateway, sample batcher, the batches of
starts and updates, outbox, mail."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from csms.charging.models import Session, SessionState
from csms.charging.plain_starts import started_event
from csms.charging.ports import PlainEnd, PlainStart, PlainUpdate
from csms.errors import StationNotConnected
from csms.events import DomainEvent
from csms.settlement.ports import SampleBatch
from csms.station_commands.commands import CommandResult, StationCommand
from tests.fakes.charging import FakeSessionRepository
from tests.fakes.settlement import FakeStatementRepository, insert_sample
from tests.fakes.store import InMemoryStore, SessionRow, Transaction, stored

Answer = CommandResult | Exception


class FakeStationGateway:
    """Records every ``(station_id, command)`` sent, connected or not, in ``sent``.

    A station in ``connected`` answers with what ``answer`` set for its command type (for
    that station, else for any station), by default ``Accepted`` with an empty payload; an
    answer that is an exception is raised. Others raise ``StationNotConnected``.
    """

    def __init__(self, connected: Iterable[str] = ()) -> None:
        self.connected: set[str] = set(connected)
        self.sent: list[tuple[str, StationCommand]] = []
        self._answers: dict[tuple[str | None, type[object]], Answer] = {}

    def answer(
        self, command: type[StationCommand], result: Answer, *, station_id: str | None = None
    ) -> None:
        """From now on, answer ``command`` (sent to ``station_id``, or to any) with ``result``."""
        self._answers[(station_id, command)] = result

    def is_connected(self, station_id: str) -> bool:
        return station_id in self.connected

    async def send(self, station_id: str, command: StationCommand) -> CommandResult:
        self.sent.append((station_id, command))
        if station_id not in self.connected:
            raise StationNotConnected(station_id)
        kind = type(command)
        result = self._answers.get((station_id, kind), self._answers.get((None, kind)))
        if result is None:
            return CommandResult(kind.__name__, "Accepted", {"status": "Accepted"})
        if isinstance(result, Exception):
            raise result
        return result

    def commands_to(self, station_id: str) -> list[StationCommand]:
        """What was sent to one station, in order."""
        return [command for target, command in self.sent if target == station_id]


class FakeSampleBatcher:
    """Writes each call's samples through to the store at once, as one committed batch.

    As the PostgreSQL batcher does: each sample is linked to the session of its station
    and transaction, signed data is not part of a batch, and a replay adds nothing. With
    ``error`` set, a call stores nothing and raises it (a failed shared commit).
    """

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.error: Exception | None = None
        self.calls = 0

    async def add(self, batch: SampleBatch) -> None:
        if not batch.samples:
            return
        self.calls += 1
        if self.error is not None:
            raise self.error
        session_id = next(
            (
                row.session.session_id
                for row in self._store.sessions.values()
                if (row.session.station_id, row.session.transaction_id)
                == (batch.station_id, batch.transaction_id)
            ),
            None,
        )
        tx = Transaction(self._store, atomic=False)
        for sample in batch.samples:
            plain = dataclasses.replace(
                sample, signed_data=None, signing_method=None, encoding_method=None, public_key=None
            )
            insert_sample(tx, batch, session_id, plain)

    async def close(self) -> None:
        """Nothing waits: every call was written when it returned."""


class FakeUpdateBatcher:
    """The rule of the PostgreSQL update batcher over the store: a plain update that is the
    next event of an active session with its start register and place is stored (event,
    samples, last seqNo) and True; anything else writes nothing and is False."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def record_update(self, update: PlainUpdate) -> bool:
        store, entry = self._store, update.entry
        key = (entry.station_id, entry.transaction_id, entry.seq_no)
        row = next(
            (
                row
                for row in store.sessions.values()
                if (row.session.station_id, row.session.transaction_id) == key[:2]
            ),
            None,
        )
        if (
            row is None
            or not _next_plain_event(row.session, update)
            or key in (store.transaction_events)
        ):
            return False
        session = row.session
        tx = Transaction(store, atomic=False)
        bumped = dataclasses.replace(session, last_seq_no=entry.seq_no)
        tx.put(store.sessions, session.session_id, SessionRow(bumped, row.start_key))
        tx.put(store.transaction_events, key, stored(entry))
        batch = SampleBatch(entry.station_id, session.evse_id, entry.transaction_id, ())
        for sample in update.samples:
            insert_sample(tx, batch, session.session_id, sample)
        return True


class FakeStartBatcher:
    """The rule of the PostgreSQL start batcher over the store: a plain start is stored
    (session, seqNo entry, samples, its SessionStarted event; a 1.6 id issued) unless its
    transaction or start key is there, an event of its transaction is logged, a session is
    active on its EVSE or an app start of its card waits; then it writes nothing (None)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def record_start(self, start: PlainStart) -> Session | None:
        store, session = self._store, start.session
        if self._blocked(start):
            return None
        if not session.transaction_id:
            session = dataclasses.replace(session, transaction_id=str(next(store.transaction_ids)))
        tx = Transaction(store, atomic=False)
        tx.require(store.stations, session.station_id, "station")
        tx.put(store.sessions, session.session_id, SessionRow(stored(session), start.start_key))
        if start.entry is not None:
            entry = dataclasses.replace(start.entry, transaction_id=session.transaction_id)
            key = (entry.station_id, entry.transaction_id, entry.seq_no)
            tx.put(store.transaction_events, key, stored(entry))
        batch = SampleBatch(session.station_id, session.evse_id, session.transaction_id, ())
        for sample in start.samples:
            insert_sample(tx, batch, session.session_id, sample)
        store.publish([started_event(session)])
        return session

    def _blocked(self, start: PlainStart) -> bool:
        store, session = self._store, start.session
        station_id, transaction_id = session.station_id, session.transaction_id
        rows = [row for row in store.sessions.values() if row.session.station_id == station_id]
        return (
            any(row.session.transaction_id == transaction_id for row in rows)
            or any(start.start_key is not None and row.start_key == start.start_key for row in rows)
            or any(
                row.session.state is SessionState.ACTIVE
                and session.evse_id is not None
                and row.session.evse_id == session.evse_id
                for row in rows
            )
            or any(key[:2] == (station_id, transaction_id) for key in store.transaction_events)
            or any(
                row.station_id == station_id
                and row.session_id is None
                and row.id_token == start.claim_token
                and start.claim_since is not None
                and row.requested_at >= start.claim_since
                for row in store.remote_starts.values()
            )
        )


class FakeEndBatcher:
    """The rule of the PostgreSQL end batcher over the store: an end whose session is as it
    was read (active, not ended otherwise, the same last seqNo, no statement, the end's seqNo
    not logged) completes it with its entry, samples, statement and events (True); anything
    else writes nothing (False)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def record_end(self, end: PlainEnd) -> bool:
        store = self._store
        row = store.sessions.get(end.session_id)
        key = (end.station_id, end.transaction_id, end.entry.seq_no if end.entry else None)
        if (
            row is None
            or row.session.state is not SessionState.ACTIVE
            or row.session.ending is not None
            or row.session.last_seq_no != end.last_seq_no
            or key in store.transaction_events
            or any(s.session_id == end.session_id for s in store.statements.values())
        ):
            return False
        tx = Transaction(store, atomic=False)
        await FakeSessionRepository(tx).complete(end.session_id, end.completion)
        if end.entry is not None:
            bumped = dataclasses.replace(
                store.sessions[end.session_id].session, last_seq_no=end.entry.seq_no
            )
            tx.put(
                store.sessions,
                end.session_id,
                dataclasses.replace(store.sessions[end.session_id], session=bumped),
            )
            tx.put(store.transaction_events, key, stored(end.entry))
        batch = SampleBatch(end.station_id, end.evse_id, end.transaction_id, ())
        for sample in end.samples:
            insert_sample(tx, batch, end.session_id, sample)
        await FakeStatementRepository(tx).add(end.statement)
        store.publish(list(end.events))
        return True


def _next_plain_event(session: Session, update: PlainUpdate) -> bool:
    return (
        session.state is SessionState.ACTIVE
        and session.last_seq_no == update.entry.seq_no - 1
        and session.meter_start_wh is not None
        and (session.evse_id is not None or update.evse_id is None)
        and (session.connector_id is not None or update.connector_id is None)
    )


class FakeEventOutbox:
    """The committed events of a store (``store.events``) in commit order; ids from 1."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def pending(self, limit: int) -> list[tuple[int, DomainEvent]]:
        undelivered = [
            (event_id, event)
            for event_id, event in enumerate(self._store.events, start=1)
            if event_id not in self._store.delivered_events
        ]
        return undelivered[:limit]

    async def mark_delivered(self, event_ids: list[int]) -> None:
        self._store.delivered_events.update(event_ids)


class FakeMailQueue:
    """Unsent mail of a store, oldest first."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def unsent(self, limit: int) -> list[tuple[int, str, str, str, str]]:
        unsent = sorted(
            (m for m in self._store.mail.values() if m.sent_at is None),
            key=lambda m: (m.created_at, m.message_id),
        )
        return [(m.message_id, m.kind, m.recipient, m.subject, m.body) for m in unsent[:limit]]

    async def mark_sent(self, message_ids: list[int]) -> None:
        now = self._store.now()
        for message_id in message_ids:
            mail = self._store.mail.get(message_id)
            if mail is not None and mail.sent_at is None:
                self._store.mail[message_id] = dataclasses.replace(mail, sent_at=now)
