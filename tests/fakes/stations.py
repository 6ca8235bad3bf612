"""Stations, connectors and station events in memory (as ``csms.storage`` stores them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from csms.stations.models import ConnectorStatus, Station, StationEvent
from tests.fakes.store import CheckViolation, StationRow, Transaction, jsonb, stored, utc


def _check_credentials(profile: int, password_hash: str | None) -> None:
    """The stations table's checks: profiles 0-3, and a password for profiles 1 and 2."""
    if not 0 <= profile <= 3:
        raise CheckViolation(f"security profile {profile} is not 0-3")
    if profile in (1, 2) and password_hash is None:
        raise CheckViolation(f"security profile {profile} needs a password")


class FakeStationRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.stations
        self._nodes: dict[str, str | None] = tx.store.__dict__.setdefault("station_nodes", {})

    def _update(self, station_id: str, **changes: Any) -> None:
        row = self._rows.get(station_id)
        if row is not None:
            station = dataclasses.replace(row.station, **changes)
            self._tx.put(self._rows, station_id, dataclasses.replace(row, station=station))

    async def get(self, station_id: str) -> Station | None:
        row = self._rows.get(station_id)
        return row.station if row else None

    async def add(self, station_id: str, password_hash: str | None, profile: int = 0) -> bool:
        if station_id in self._rows:
            return False
        _check_credentials(profile, password_hash)
        station = Station(
            station_id,
            created_at=self._tx.now(),
            has_password=password_hash is not None,
            security_profile=profile,
        )
        self._tx.put(self._rows, station_id, StationRow(station, password_hash))
        return True

    async def credentials(self, station_id: str) -> tuple[int, str | None] | None:
        row = self._rows.get(station_id)
        return (row.station.security_profile, row.password_hash) if row else None

    async def set_credentials(
        self, station_id: str, profile: int, password_hash: str | None
    ) -> None:
        row = self._rows.get(station_id)
        if row is None:
            return
        _check_credentials(profile, password_hash)
        station = dataclasses.replace(
            row.station, security_profile=profile, has_password=password_hash is not None
        )
        new = dataclasses.replace(row, station=station, password_hash=password_hash)
        self._tx.put(self._rows, station_id, new)

    async def record_boot(self, station: Station, booted_at: datetime) -> None:
        self._update(
            station.station_id,
            vendor=station.vendor,
            model=station.model,
            serial_number=station.serial_number,
            firmware_version=station.firmware_version,
            ocpp_version=station.ocpp_version,
            last_boot_at=utc(booted_at),
            last_seen_at=utc(booted_at),
        )

    async def set_connected(
        self, station_id: str, connected: bool, at: datetime, node_id: str | None = None
    ) -> None:
        row = self._rows.get(station_id)
        if row is None or (not connected and self._nodes.get(station_id) != node_id):
            return
        self._nodes[station_id] = node_id if connected else None
        station = dataclasses.replace(row.station, connected=connected, last_seen_at=utc(at))
        connected_at = utc(at) if connected else row.connected_at
        new = dataclasses.replace(row, station=station, connected_at=connected_at)
        self._tx.put(self._rows, station_id, new)

    async def touch(self, station_id: str, at: datetime) -> None:
        self._update(station_id, last_seen_at=utc(at))

    async def disconnect_all(self, keep_nodes: Sequence[str] = ()) -> int:
        connected = [
            sid
            for sid, row in self._rows.items()
            if row.station.connected and self._nodes.get(sid) not in keep_nodes
        ]
        for station_id in connected:
            self._update(station_id, connected=False)
        return len(connected)


class FakeConnectorRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def upsert(self, status: ConnectorStatus) -> None:
        """Newest status wins: an older report never overwrites a newer one."""
        store = self._tx.store
        self._tx.require(store.stations, status.station_id, "station")
        key = (status.station_id, status.evse_id, status.connector_id)
        status = stored(status)
        current = store.connectors.get(key)
        if current is None or current.status_at <= status.status_at:
            self._tx.put(store.connectors, key, status)


class FakeStationEventRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add(self, event: StationEvent) -> None:
        store = self._tx.store
        kept = dataclasses.replace(stored(event), payload=jsonb(event.payload))
        self._tx.put(store.station_events, store.next_id("station_events"), kept)
