"""Ports of administration: what operator changes write, and the operator's read model."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from csms.authorization.models import TokenRecord
from csms.authorization.ports import AccountRepository, StandRepository, TokenRepository
from csms.charging.models import SessionState
from csms.ports import EventRecorder
from csms.settlement.models import MeterRecord, Statement
from csms.settlement.ports import MeterRepository
from csms.station_commands.ports import LocalListRepository, StationListRepository
from csms.stations.ports import StationRepository


class AdministrationUnitOfWork(EventRecorder, Protocol):
    stations: StationRepository
    station_lists: StationListRepository
    local_lists: LocalListRepository
    tokens: TokenRepository
    accounts: AccountRepository
    stands: StandRepository
    meters: MeterRepository


class ReadModel(Protocol):
    """Read-only queries for the operator API."""

    async def list_stations(self) -> list[dict[str, object]]: ...
    async def station(self, station_id: str) -> dict[str, object] | None: ...
    async def list_sessions(
        self, station_id: str | None, state: SessionState | None, limit: int
    ) -> list[dict[str, object]]: ...
    async def session(self, session_id: UUID) -> dict[str, object] | None: ...
    async def statements(self, session_id: UUID) -> list[Statement]: ...
    async def signed_data(self, session_id: UUID) -> dict[str, object] | None: ...
    async def list_tokens(self) -> list[TokenRecord]: ...
    async def list_meters(self) -> list[MeterRecord]: ...
    async def ping(self) -> bool: ...
