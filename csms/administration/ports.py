"""Ports of administration: what operator changes write, and the operator's read model."""

from __future__ import annotations

from datetime import datetime
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
    """Read-only queries for the operator API.

    ``scope`` is the operator whose data the caller may see (None: all); a row outside it
    is not found. The queries apply it, not the routes.
    """

    async def list_stations(self, scope: str | None = None) -> list[dict[str, object]]: ...
    async def station(
        self, station_id: str, scope: str | None = None
    ) -> dict[str, object] | None: ...
    async def list_sessions(
        self,
        station_id: str | None,
        state: SessionState | None,
        limit: int,
        scope: str | None = None,
        *,
        stale_before: datetime | None = None,
    ) -> list[dict[str, object]]: ...
    async def session(
        self, session_id: UUID, scope: str | None = None
    ) -> dict[str, object] | None: ...
    async def statements(self, session_id: UUID, scope: str | None = None) -> list[Statement]: ...
    async def signed_data(
        self, session_id: UUID, scope: str | None = None
    ) -> dict[str, object] | None: ...
    async def list_tokens(self, scope: str | None = None) -> list[TokenRecord]: ...
    async def list_meters(self, scope: str | None = None) -> list[MeterRecord]: ...
    async def ping(self) -> bool: ...
