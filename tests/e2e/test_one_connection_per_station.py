"""One live socket per station id, over real sockets: simultaneous connections hand over in
turn, one station's messages are handled one at a time, the connected flag follows the socket
that is live at the end (OCPP-J 1.6J §3, 2.0.1 Part 4 §3)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.protocol import State

from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SOCKETS = 5


def same_station(station_id: str, version: str) -> list[SimulatedStation]:
    """Five copies of one charger (same id, clock and registers): a retried start is the same."""
    return [
        SimulatedStation(station_id, version, PROFILES["quick-dc-50kw"], SimClock(START, speed=0))
        for _ in range(SOCKETS)
    ]


def open_ones(stations: list[SimulatedStation]) -> list[SimulatedStation]:
    return [s for s in stations if s.client and s.client.websocket.state is State.OPEN]


async def settled(stations: list[SimulatedStation], system: CentralSystem) -> SimulatedStation:
    """Wait until the hand-overs are done: one socket open on our side, one registered."""
    assert system.ocpp is not None
    for _ in range(500):
        if len(open_ones(stations)) == 1 and system.ocpp.registry.get(stations[0].station_id):
            break
        await asyncio.sleep(0.02)
    (survivor,) = open_ones(stations)
    return survivor


async def connect_all(stations: list[SimulatedStation], ws_url: str) -> None:
    await asyncio.gather(*(station.connect(ws_url) for station in stations))


async def boot_and_start(station: SimulatedStation, token: str) -> Any:
    await station.boot()
    return await station.start_transaction(1, token)


async def test_five_simultaneous_starts_leave_one_socket_and_one_active_session(
    central_system: CentralSystem, ws_url: str, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    """5 sockets for one 1.6 station id, each booting and starting a transaction on connector
    1 at once: one socket stays open, at most one session per connector is active, the station
    is connected in the database and the API, and the live socket is served."""
    token = unique("TAG").upper().replace("-", "")[:16]
    await db.execute("INSERT INTO id_tokens (id_token, status) VALUES ($1, 'Accepted')", token)
    station_id = unique("DUP16")
    stations = same_station(station_id, "1.6")
    await connect_all(stations, ws_url)
    await asyncio.gather(*(boot_and_start(s, token) for s in stations), return_exceptions=True)
    survivor = await settled(stations, central_system)
    await survivor.start_transaction(1, token)  # the station retries on its live socket
    active = await db.fetch(
        "SELECT evse_id, connector_id, count(*) AS n FROM sessions"
        " WHERE station_id = $1 AND state = 'active' GROUP BY evse_id, connector_id",
        station_id,
    )
    assert [(r["evse_id"], r["n"]) for r in active] == [(1, 1)]
    assert await db.fetchval("SELECT connected FROM stations WHERE station_id = $1", station_id)
    assert (await api.get(f"/api/stations/{station_id}")).json()["connected"] is True
    assert (await survivor.heartbeat())["currentTime"]
    await survivor.close()


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_the_connected_flag_follows_the_socket_live_at_the_end(
    version: str, central_system: CentralSystem, ws_url: str, db: asyncpg.Connection
) -> None:
    """Repeated bursts of simultaneous sockets: every time exactly one is open and registered
    and the station is connected; once it closes, the station is disconnected."""
    station_id = unique("DUP")
    connected = "SELECT connected FROM stations WHERE station_id = $1"
    for _ in range(3):
        stations = same_station(station_id, version)
        await connect_all(stations, ws_url)
        await asyncio.gather(*(s.heartbeat() for s in stations), return_exceptions=True)
        survivor = await settled(stations, central_system)
        assert (await survivor.heartbeat())["currentTime"]
        assert await db.fetchval(connected, station_id)
    await survivor.close()
    assert central_system.ocpp is not None
    for _ in range(200):
        if not await db.fetchval(connected, station_id):
            break
        await asyncio.sleep(0.02)
    assert station_id not in central_system.ocpp.registry
    assert not await db.fetchval(connected, station_id)


async def test_messages_of_one_station_are_handled_one_at_a_time(
    central_system: CentralSystem, ws_url: str
) -> None:
    """While sockets hand over, no two of the station's Calls are ever handled at once."""
    assert central_system.ocpp is not None
    services = central_system.ocpp._services  # the stations service the adapters call
    original = services.stations.heartbeat
    busy: list[str] = []
    overlaps: list[int] = []

    async def watched(station_id: str) -> None:
        busy.append(station_id)
        overlaps.append(busy.count(station_id))
        try:
            await asyncio.sleep(0.01)
            await original(station_id)
        finally:
            busy.remove(station_id)

    services.stations.heartbeat = watched  # type: ignore[method-assign]
    try:
        stations = same_station(unique("SERIAL"), "2.0.1")
        await connect_all(stations, ws_url)
        await asyncio.gather(
            *(s.heartbeat() for s in stations for _ in range(4)), return_exceptions=True
        )
        survivor = await settled(stations, central_system)
        await survivor.heartbeat()
    finally:
        services.stations.heartbeat = original  # type: ignore[method-assign]
    assert overlaps
    assert max(overlaps) == 1
    await survivor.close()
