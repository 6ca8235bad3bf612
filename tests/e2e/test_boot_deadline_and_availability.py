"""Over real sockets: the boot deadline (1.6 §4.2, 2.0.1 B01-B03), station ids limited to the
2.0.1 identifierString characters (Part 4 §3.1.1), and the server paused while its database is
away (close 1012, then 503 with Retry-After)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import structlog
import websockets
from websockets.exceptions import InvalidStatus
from websockets.protocol import State

from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import make_settings

DEADLINE_S = 0.5


@pytest.fixture
async def system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    """Boots beyond one a second are Pending (the clock stands still unless moved)."""
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    settings = make_settings(migrated_dsn, boot_deadline_s=DEADLINE_S, boot_accept_per_s=1)
    async with CentralSystem(settings, clock=clock) as central:
        yield central


def url(system: CentralSystem) -> str:
    return f"ws://127.0.0.1:{system.ocpp_port}/ocpp"


async def connected(system: CentralSystem, station_id: str | None = None) -> SimulatedStation:
    station = SimulatedStation(
        station_id or unique("BOOT"), "1.6", PROFILES["normal-ac-6kw"], SimClock(speed=0)
    )
    await station.connect(url(system))
    return station


def is_open(station: SimulatedStation) -> bool:
    return station.client is not None and station.client.websocket.state is State.OPEN


async def closed_code(station: SimulatedStation, within_s: float) -> int | None:
    assert station.client is not None
    async with asyncio.timeout(within_s):
        await station.client.websocket.wait_closed()
    return station.client.websocket.close_code


async def test_a_socket_that_never_boots_is_closed_at_the_deadline(system: CentralSystem) -> None:
    """No BootNotification within the deadline: closed (1008), logged; a booted one stays."""
    silent = await connected(system)
    booted = await connected(system)
    assert (await booted.boot())["status"] == "Accepted"
    with structlog.testing.capture_logs() as logs:
        assert await closed_code(silent, within_s=DEADLINE_S * 6) == 1008
    assert any(line["event"] == "station_closed_without_boot" for line in logs)
    await asyncio.sleep(DEADLINE_S * 1.5)
    assert is_open(booted)
    assert (await booted.heartbeat())["currentTime"]
    await booted.close()


async def test_a_station_that_only_reconnected_is_not_closed(system: CentralSystem) -> None:
    """A reconnect owes no boot (1.6 §4.2): a station that goes on with a StatusNotification
    and Heartbeats keeps its socket beyond the deadline."""
    first = await connected(system)
    assert (await first.boot())["status"] == "Accepted"
    await first.close()
    again = await connected(system, first.station_id)  # back after a blip: no boot
    await again.status(1, "Available")
    await asyncio.sleep(DEADLINE_S * 3)
    assert is_open(again)
    assert (await again.heartbeat())["currentTime"]
    await again.close()


async def test_a_pending_station_keeps_its_socket_to_boot_again(system: CentralSystem) -> None:
    """Pending at boot: the socket stays for the retry interval plus the deadline; a later
    Accepted boot ends the deadline for good."""
    first = await connected(system)
    assert (await first.boot())["status"] == "Accepted"  # the one boot of this second
    waiting = await connected(system)
    answer = await waiting.boot()
    assert answer["status"] == "Pending"
    await asyncio.sleep(DEADLINE_S * 1.5)  # past the plain deadline, within interval + it
    assert is_open(waiting)
    assert system.clock is not None
    system.clock.advance(answer["interval"])  # type: ignore[attr-defined]
    assert (await waiting.boot())["status"] == "Accepted"
    await asyncio.sleep(answer["interval"] + DEADLINE_S * 1.5)
    assert is_open(waiting)
    for station in (first, waiting):
        await station.close()


@pytest.mark.parametrize(
    "station_id", [".", "..", "...", "CP%2F1", "CP~1", "CP!1", "CP$1", "C" * 49]
)
async def test_station_ids_outside_identifier_string_are_refused(
    system: CentralSystem, station_id: str
) -> None:
    """Only a-z A-Z 0-9 * - _ = : + | @ . (at most 48, not only dots) name a station."""
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(f"{url(system)}/{station_id}", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    assert refused.value.response.status_code == 404


async def test_every_identifier_string_character_is_a_station_id(system: CentralSystem) -> None:
    """Each character 2.0.1 allows in an identifierString connects (development mode)."""
    station = await connected(system, f"{unique('Ok')}*-_=:+|@.x")
    assert is_open(station)
    await station.close()


async def test_unavailable_closes_stations_and_refuses_new_ones_until_available(
    system: CentralSystem,
) -> None:
    """set_available(False): live sockets closed with 1012, new handshakes 503 Retry-After 30;
    set_available(True): stations connect and boot again."""
    assert system.ocpp is not None
    station = await connected(system)
    await station.boot()
    assert await system.ocpp.set_available(False, "database unavailable") == 1
    assert await closed_code(station, within_s=5) == 1012
    with pytest.raises(InvalidStatus) as refused:
        await connected(system, station.station_id)
    assert refused.value.response.status_code == 503
    assert refused.value.response.headers["Retry-After"] == "30"
    assert await system.ocpp.set_available(True, "database available again") == 0
    again = await connected(system, station.station_id)
    assert (await again.heartbeat())["currentTime"]
    await again.close()
