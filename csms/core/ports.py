"""Ports the core depends on (typing.Protocol); storage and handlers implement them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from csms.core.commands import CommandResult, StationCommand
from csms.core.models import (
    ConnectorStatus,
    MeterSample,
    Session,
    SessionState,
    Statement,
    Station,
    StationEvent,
    TokenKind,
    TokenRecord,
    TokenStatus,
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class StationRepository(Protocol):
    async def get(self, station_id: str) -> Station | None: ...
    async def add(self, station_id: str, password_hash: str | None, profile: int = 0) -> bool: ...
    async def credentials(self, station_id: str) -> tuple[int, str | None] | None: ...
    async def set_credentials(
        self, station_id: str, profile: int, password_hash: str | None
    ) -> None: ...
    async def record_boot(self, station: Station, booted_at: datetime) -> None: ...
    async def set_connected(self, station_id: str, connected: bool, at: datetime) -> None: ...
    async def touch(self, station_id: str, at: datetime) -> None: ...
    async def disconnect_all(self) -> int: ...
    async def upsert_connector(self, status: ConnectorStatus) -> None: ...
    async def add_event(self, event: StationEvent) -> None: ...


class TokenRepository(Protocol):
    async def get(self, id_token: str) -> TokenRecord | None: ...
    async def upsert(
        self,
        id_token: str,
        kind: TokenKind,
        status: TokenStatus,
        expires_at: datetime | None,
        group_id: str | None,
    ) -> None: ...


class SessionRepository(Protocol):
    async def next_transaction_id(self) -> int: ...
    async def by_start_key(self, station_id: str, start_key: str) -> Session | None: ...
    async def by_id(self, session_id: UUID) -> Session | None: ...
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
    async def add_samples(
        self,
        station_id: str,
        evse_id: int | None,
        transaction_id: str | None,
        session_id: UUID | None,
        samples: Sequence[MeterSample],
    ) -> int: ...
    async def samples_of(self, session_id: UUID) -> list[MeterSample]: ...
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


class StatementRepository(Protocol):
    async def add(self, statement: Statement) -> bool: ...
    async def of_session(self, session_id: UUID) -> list[Statement]: ...


class UnitOfWork(Protocol):
    """One database transaction; repositories share it. Commits on clean exit."""

    @property
    def stations(self) -> StationRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def statements(self) -> StatementRepository: ...


class UnitOfWorkProvider(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class ReadModel(Protocol):
    """Read-only queries for the operator API."""

    async def list_stations(self) -> list[dict[str, object]]: ...
    async def station(self, station_id: str) -> dict[str, object] | None: ...
    async def list_sessions(
        self, station_id: str | None, state: SessionState | None, limit: int
    ) -> list[dict[str, object]]: ...
    async def session(self, session_id: UUID) -> dict[str, object] | None: ...
    async def statements(self, session_id: UUID) -> list[Statement]: ...
    async def list_tokens(self) -> list[TokenRecord]: ...
    async def ping(self) -> bool: ...


class StationGateway(Protocol):
    """Reach a connected station (style.md §2); the handlers package implements it."""

    def is_connected(self, station_id: str) -> bool: ...
    async def send(self, station_id: str, command: StationCommand) -> CommandResult: ...
