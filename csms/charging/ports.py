"""Ports of charging: sessions, the transaction event log and app (remote) starts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import Session
from csms.events import DomainEvent
from csms.settlement.models import Metering, MeterSample, Statement
from csms.settlement.ports import SettlementWithMailUnitOfWork


@dataclass(frozen=True, slots=True)
class SessionCompletion:
    """What ending a session sets: its stop time, end register, energy and stop reason, and
    the metering decision settlement made for it (stored with the session in one write)."""

    stopped_at: datetime
    meter_stop_wh: Decimal | None
    energy_wh: Decimal | None
    stop_reason: str | None
    metering: Metering | None = None
    ending: dict[str, Any] | None = None  # charging.endings: not ended by the station


@dataclass(frozen=True, slots=True)
class SessionProgress:
    """What a later event adds: the first start register, and a seqNo, token or status if
    given (None keeps the stored one); ``offline`` is always written. A late Started may
    bring an earlier start time and the EVSE/connector a session lacks."""

    meter_start_wh: Decimal | None
    last_seq_no: int | None
    offline: bool
    id_token: str | None
    token_kind: TokenKind | None
    authorization_status: TokenStatus | None
    started_at: datetime | None = None  # the earlier of the stored and this one
    evse_id: int | None = None
    connector_id: int | None = None


class SessionRepository(Protocol):
    async def next_transaction_id(self) -> int: ...
    async def by_start_key(self, station_id: str, start_key: str) -> Session | None: ...
    async def by_id(self, session_id: UUID, *, for_update: bool = False) -> Session | None: ...
    async def latest_of_station(self, station_id: str) -> Session | None: ...
    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None: ...
    async def insert(
        self, session: Session, start_key: str | None, claim: RemoteStartClaim | None = None
    ) -> int | None: ...
    async def complete(self, session_id: UUID, completion: SessionCompletion) -> None: ...
    async def replace_end(self, session_id: UUID, completion: SessionCompletion) -> None: ...
    async def update_progress(self, session_id: UUID, progress: SessionProgress) -> None: ...
    async def open_on_evse(self, station_id: str, evse_id: int) -> list[Session]: ...
    async def mark_interrupt_pending(self, station_id: str) -> int: ...
    async def interrupt_due(self, station_id: str, grace_s: float) -> list[Session]: ...


@dataclass(frozen=True, slots=True)
class SeqNoEntry:
    """One 2.0.1 TransactionEvent's place in its transaction (seqNo, E01-E15)."""

    station_id: str
    transaction_id: str
    seq_no: int
    event_type: str
    trigger_reason: str
    occurred_at: datetime
    offline: bool
    digest: str = ""  # the event's content (charging.sessions.event_digest)
    seq_no_reused: bool = False  # written by the log: another event had this seqNo


@dataclass(frozen=True, slots=True)
class PlainUpdate:
    """A 2.0.1 Updated event that only brings plain samples (2.0.1 E02 with meter values):
    no token, not offline, every sample readable and unsigned. Most events of a session."""

    entry: SeqNoEntry
    evse_id: int | None
    connector_id: int | None
    samples: tuple[MeterSample, ...]


class UpdateBatcher(Protocol):
    """Group commit of plain updates (storage/update_batcher.py).

    ``record_update`` stores the event (its seqNo, its samples, the session's last seqNo)
    with the next batch and returns True once that committed, when the event is the next
    of an active session that it changes in nothing else: seqNo = the last one + 1, the
    session has its start register and its place. Otherwise it writes nothing and returns
    False: the event takes the full path (replays, gaps, late starts, ended sessions).
    """

    async def record_update(self, update: PlainUpdate) -> bool: ...


@dataclass(frozen=True, slots=True)
class PlainStart:
    """A transaction start decided before its write (``charging.plain_starts``): a member's
    or no token, no reservation, no named app start, online, plain samples, the first event
    of its transaction. ``session.transaction_id`` is empty for a 1.6 start (the batch
    issues the id); ``start_key`` is the 1.6 retry key, ``entry`` the 2.0.1 seqNo entry;
    ``claim_token`` and ``claim_since``: the card whose waiting app start would claim it."""

    session: Session
    start_key: str | None
    entry: SeqNoEntry | None
    samples: tuple[MeterSample, ...]
    claim_token: str | None
    claim_since: datetime | None


class StartBatcher(Protocol):
    """Group commit of plain starts (storage/start_batcher.py).

    ``record_start`` inserts the session (with its seqNo entry, samples and the
    ``SessionStarted`` event) with the next batch and returns the session as stored (its
    transaction id issued for 1.6) once that committed, when nothing else has to be decided:
    no session of this transaction or start key yet, no event of the transaction logged, no
    active session on the EVSE (to supersede) and no waiting app start of the card (to
    claim). Otherwise it writes nothing and returns None: the start takes the full path.
    """

    async def record_start(self, start: PlainStart) -> Session | None: ...


@dataclass(frozen=True, slots=True)
class PlainEnd:
    """A station's end decided before its write (``charging.plain_ends``): the session's
    completion, its priced statement and the events they record, with the end's seqNo entry
    and samples. ``last_seq_no`` is the session's as it was read: the write checks that the
    session is unchanged since (still active, not ended otherwise, the same last seqNo)."""

    session_id: UUID
    station_id: str
    transaction_id: str
    evse_id: int | None
    last_seq_no: int | None
    entry: SeqNoEntry | None
    samples: tuple[MeterSample, ...]
    completion: SessionCompletion
    statement: Statement
    events: tuple[DomainEvent, ...]


class EndBatcher(Protocol):
    """Group commit of plain ends (storage/end_batcher.py).

    ``record_end`` completes the session, logs the end's seqNo, stores its samples, its
    statement and its events with the next batch and returns True once that committed, when
    the session is as it was read: active, not ended otherwise, the same last seqNo, no
    statement and the end's seqNo not logged. Otherwise it writes nothing and returns False:
    the end takes the full path (which decides it again in its own transaction).
    """

    async def record_end(self, end: PlainEnd) -> bool: ...


class SeqNoOutcome(enum.StrEnum):
    """What a TransactionEvent's seqNo and content say (2.0.1 E01-E15, seqNo §2.5)."""

    NEW = "new"
    REPLAY = "replay"  # the same event again: answered, changes nothing
    REUSED = "reused"  # another event with a used seqNo (counter restarted): processed, flagged


@dataclass(frozen=True, slots=True)
class UnmatchedStop:
    """The end of a transaction nobody started, kept for reconciliation."""

    station_id: str
    transaction_id: str
    stopped_at: datetime
    meter_stop_wh: Decimal | None
    reason: str | None
    details: dict[str, object]


class TransactionLog(Protocol):
    """2.0.1 seqNo bookkeeping and stops for unknown transactions (for reconciliation)."""

    async def record_event_seq(self, entry: SeqNoEntry) -> SeqNoOutcome: ...
    async def record_unmatched_stop(self, stop: UnmatchedStop) -> bool: ...


@dataclass(frozen=True, slots=True)
class RemoteStartRequest:
    """An app start asked of a station, waiting for the transaction that claims it."""

    station_id: str
    evse_id: int
    id_token: str
    account_id: str | None
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteStartClaim:
    """A new session claiming its app start: the one named by ``remote_start_id``, or else
    the card's latest unclaimed start at the station requested since ``since``
    (``SessionRepository.insert`` claims it with the insert, in one statement)."""

    station_id: str
    id_token: str
    remote_start_id: int | None
    since: datetime
    session_id: UUID


class RemoteStartRepository(Protocol):
    async def add(self, request: RemoteStartRequest) -> int: ...


class ReservationUse(Protocol):
    """A transaction that says it uses a reservation (1.6 StartTransaction reservationId,
    2.0.1 TransactionEvent reservationId): the reservation is used by that session."""

    async def use(
        self, station_id: str, ocpp_reservation_id: int, session_id: UUID, at: datetime
    ) -> bool: ...


class ChargingUnitOfWork(SettlementWithMailUnitOfWork, Protocol):
    reservations: ReservationUse
    sessions: SessionRepository
    transaction_log: TransactionLog
    remote_starts: RemoteStartRepository
