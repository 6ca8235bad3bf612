"""Ports of charging: sessions, the transaction event log and app (remote) starts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import Session
from csms.settlement.ports import SettlementWithMailUnitOfWork


class SessionRepository(Protocol):
    async def next_transaction_id(self) -> int: ...
    async def by_start_key(self, station_id: str, start_key: str) -> Session | None: ...
    async def by_id(self, session_id: UUID) -> Session | None: ...
    async def latest_of_station(self, station_id: str) -> Session | None: ...
    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None: ...
    async def insert(self, session: Session, start_key: str | None) -> None: ...
    async def complete(
        self,
        session_id: UUID,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        energy_wh: Decimal | None,
        stop_reason: str | None,
    ) -> None: ...
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
    ) -> None: ...


class TransactionLog(Protocol):
    """2.0.1 seqNo bookkeeping and stops for unknown transactions (for reconciliation)."""

    async def record_event_seq(
        self,
        station_id: str,
        transaction_id: str,
        seq_no: int,
        kind: str,
        trigger_reason: str,
        occurred_at: datetime,
        offline: bool,
    ) -> bool: ...
    async def record_unmatched_stop(
        self,
        station_id: str,
        transaction_id: str,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        reason: str | None,
        payload: dict[str, object],
    ) -> bool: ...


class RemoteStartRepository(Protocol):
    async def claim(
        self,
        station_id: str,
        id_token: str,
        remote_start_id: int | None,
        since: datetime,
        session_id: UUID,
    ) -> int | None: ...
    async def add(
        self,
        station_id: str,
        evse_id: int,
        id_token: str,
        account_id: str | None,
        requested_at: datetime,
    ) -> int: ...


class ChargingUnitOfWork(SettlementWithMailUnitOfWork, Protocol):
    sessions: SessionRepository
    transaction_log: TransactionLog
    remote_starts: RemoteStartRepository
