"""Ports of the stations capability: the station, its connectors and its notifications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from csms.authorization.ports import AuthorizationUnitOfWork
from csms.stations.models import ConnectorStatus, Station, StationEvent


class StationRepository(Protocol):
    async def get(self, station_id: str) -> Station | None: ...
    async def add(self, station_id: str, password_hash: str | None, profile: int = 0) -> bool: ...
    async def credentials(self, station_id: str) -> tuple[int, str | None] | None: ...
    async def set_credentials(
        self, station_id: str, profile: int, password_hash: str | None
    ) -> None: ...
    async def record_boot(self, station: Station, booted_at: datetime) -> None: ...
    async def set_connected(
        self, station_id: str, connected: bool, at: datetime, node_id: str | None = None
    ) -> None:
        """A disconnect is kept only when ``node_id`` still holds the station."""

    async def touch(self, station_id: str, at: datetime) -> None: ...
    async def disconnect_all(self, keep_nodes: Sequence[str] = ()) -> int:
        """Disconnect every station not held by a node in ``keep_nodes``; how many."""


class ConnectorRepository(Protocol):
    async def upsert(self, status: ConnectorStatus) -> None: ...


class StatusWriter(Protocol):
    """Group commit of StatusNotifications (storage/status_batcher.py): returns once the
    status is stored with its batch."""

    async def record_status(self, status: ConnectorStatus) -> None: ...


class Presence(Protocol):
    """When each station was last heard from, kept in memory and written periodically
    (storage/presence.py): a Heartbeat costs no database round trip. A timestamp lost in a
    crash is not data: the station's next message sets it again."""

    def seen(self, station_id: str, at: datetime) -> None: ...


class StationEventRepository(Protocol):
    async def add(self, event: StationEvent) -> None: ...


class StationsUnitOfWork(AuthorizationUnitOfWork, Protocol):
    """Station use cases, including Authorize (the one rule of ``authorization``)."""

    stations: StationRepository
    connectors: ConnectorRepository
    station_events: StationEventRepository
