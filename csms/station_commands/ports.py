"""Ports of station commands: the gateway to a connected station and the local-list books."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from csms.authorization.models import TokenRecord
from csms.ports import EventRecorder
from csms.station_commands.commands import CommandResult, StationCommand


class StationGateway(Protocol):
    """Reach a connected station, on this node or another (style.md §2).

    ``send`` raises ``StationNotConnected``, ``StationTimeout`` or ``StationRejected``.
    """

    def is_connected(self, station_id: str) -> bool: ...
    async def send(self, station_id: str, command: StationCommand) -> CommandResult: ...


class LocalListRepository(Protocol):
    """Versioned local authorization lists per operator (OCPP 1.6 §3.5, 2.0.1 D01-D02)."""

    async def bump_version(self, operator_id: str, id_tokens: Sequence[str]) -> int: ...
    async def version(self, operator_id: str) -> int | None: ...
    async def valid_tokens(self, operator_id: str, now: datetime) -> list[TokenRecord]: ...
    async def changed_since(
        self, operator_id: str, version: int
    ) -> list[tuple[str, TokenRecord | None]]: ...


class StationListRepository(Protocol):
    """Which operator a station belongs to and which list version it holds."""

    async def operator_of(self, station_id: str) -> str | None: ...
    async def set_operator(self, station_id: str, operator_id: str) -> bool: ...
    async def stations_of_operator(self, operator_id: str) -> list[tuple[str, int | None]]: ...
    async def set_list_version(self, station_id: str, version: int | None) -> None: ...


class LocalListsUnitOfWork(EventRecorder, Protocol):
    local_lists: LocalListRepository
    station_lists: StationListRepository
