"""Ports of charging: sessions, the transaction event log and app (remote) starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import Session
from csms.settlement.models import Metering
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


@dataclass(frozen=True, slots=True)
class SessionProgress:
    """What a later event adds: the first start register, and a seqNo, token or status if
    given (None keeps the stored one); ``offline`` is always written."""

    meter_start_wh: Decimal | None
    last_seq_no: int | None
    offline: bool
    id_token: str | None
    token_kind: TokenKind | None
    authorization_status: TokenStatus | None


class SessionRepository(Protocol):
    async def next_transaction_id(self) -> int: ...
    async def by_start_key(self, station_id: str, start_key: str) -> Session | None: ...
    async def by_id(self, session_id: UUID) -> Session | None: ...
    async def latest_of_station(self, station_id: str) -> Session | None: ...
    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None: ...
    async def insert(self, session: Session, start_key: str | None) -> None: ...
    async def complete(self, session_id: UUID, completion: SessionCompletion) -> None: ...
    async def update_progress(self, session_id: UUID, progress: SessionProgress) -> None: ...


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

    async def record_event_seq(self, entry: SeqNoEntry) -> bool: ...
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
    the card's latest unclaimed start at the station requested since ``since``."""

    station_id: str
    id_token: str
    remote_start_id: int | None
    since: datetime
    session_id: UUID


class RemoteStartRepository(Protocol):
    async def claim(self, claim: RemoteStartClaim) -> int | None: ...
    async def add(self, request: RemoteStartRequest) -> int: ...


class ChargingUnitOfWork(SettlementWithMailUnitOfWork, Protocol):
    sessions: SessionRepository
    transaction_log: TransactionLog
    remote_starts: RemoteStartRepository
