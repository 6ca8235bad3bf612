"""Stations: registration, credentials, boots and the connection flag."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from csms.stations.models import Station
from csms.storage.base import Columns, Fields, KeyedRepository, Query, set_column

STATION: Final = Columns(
    Station,
    "station_id, vendor, model, serial_number, firmware_version, ocpp_version, connected,"
    " last_seen_at, last_boot_at, created_at, password_hash IS NOT NULL AS has_password,"
    " security_profile",
)

# The parameters $2 to $6 of UPDATE_BOOT, in order ($7 is the boot time).
BOOT: Final = Fields(Station, "vendor, model, serial_number, firmware_version, ocpp_version")

SELECT_STATION: Final = Query(STATION, "FROM stations", "WHERE station_id = $1")
INSERT_STATION: Final = """
INSERT INTO stations (station_id, password_hash, security_profile)
VALUES ($1, $2, $3)
ON CONFLICT (station_id) DO NOTHING"""
SELECT_CREDENTIALS: Final = """
SELECT security_profile, password_hash
FROM stations
WHERE station_id = $1"""
UPDATE_CREDENTIALS: Final = """
UPDATE stations
SET security_profile = $2, password_hash = $3
WHERE station_id = $1"""
UPDATE_BOOT: Final = """
UPDATE stations
SET vendor = $2, model = $3, serial_number = $4, firmware_version = $5, ocpp_version = $6,
    last_boot_at = $7, last_seen_at = $7
WHERE station_id = $1"""
# A disconnect is written only by the node that holds the station (a station that moved
# to another node keeps that node's flag); $4 is the node.
UPDATE_CONNECTED: Final = """
UPDATE stations
SET connected = $2,
    connected_at = CASE WHEN $2 THEN $3 ELSE connected_at END,
    connected_node = CASE WHEN $2 THEN $4 ELSE NULL END,
    last_seen_at = $3
WHERE station_id = $1 AND ($2 OR connected_node IS NOT DISTINCT FROM $4)"""
UPDATE_SEEN: Final = set_column("stations", "last_seen_at", "station_id")
# Every station not held by one of the live nodes in $1 (at start-up: the others).
UPDATE_ALL_DISCONNECTED: Final = """
UPDATE stations
SET connected = false, connected_node = NULL
WHERE connected AND (connected_node IS NULL OR NOT connected_node = ANY($1::text[]))"""


class PostgresStationRepository(KeyedRepository[Station]):
    __slots__ = ()
    by_key = SELECT_STATION

    async def add(self, station_id: str, password_hash: str | None, profile: int = 0) -> bool:
        status = await self._conn.execute(INSERT_STATION, station_id, password_hash, profile)
        return bool(status.endswith(" 1"))

    async def credentials(self, station_id: str) -> tuple[int, str | None] | None:
        row = await self._conn.fetchrow(SELECT_CREDENTIALS, station_id)
        return (int(row["security_profile"]), row["password_hash"]) if row else None

    async def set_credentials(
        self, station_id: str, profile: int, password_hash: str | None
    ) -> None:
        await self._conn.execute(UPDATE_CREDENTIALS, station_id, profile, password_hash)

    async def record_boot(self, station: Station, booted_at: datetime) -> None:
        await self._conn.execute(UPDATE_BOOT, station.station_id, *BOOT.values(station), booted_at)

    async def set_connected(
        self, station_id: str, connected: bool, at: datetime, node_id: str | None = None
    ) -> None:
        await self._conn.execute(UPDATE_CONNECTED, station_id, connected, at, node_id)

    async def touch(self, station_id: str, at: datetime) -> None:
        await self._conn.execute(UPDATE_SEEN, station_id, at)

    async def disconnect_all(self, keep_nodes: Sequence[str] = ()) -> int:
        status = await self._conn.execute(UPDATE_ALL_DISCONNECTED, list(keep_nodes))
        return int(status.split()[-1])
