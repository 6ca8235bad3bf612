"""Handshake throttling over real sockets: exact under concurrency, a lock-out per station id,
a higher per-address limit that never refuses another station's correct password (profile 1,
1.6 security whitepaper and 2.0.1 Part 2 A00: HTTP Basic with the station id as user)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from websockets.exceptions import InvalidStatus

from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

PASSWORD = "a-station-key-of-24-b!"
WRONG = "wrong-password-1234"
LIMIT = 10
ADDRESS_LIMIT = 100


@pytest.fixture
async def system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    settings = make_settings(
        migrated_dsn,
        dev_mode=False,
        handshake_failure_limit=LIMIT,
        handshake_failure_limit_per_address=ADDRESS_LIMIT,
    )
    async with CentralSystem(settings) as central:
        yield central


async def add(system: CentralSystem) -> str:
    station_id = unique("THR")
    assert system.admin is not None
    await system.admin.add_station(station_id, PASSWORD, profile=1)
    return station_id


async def attempt(system: CentralSystem, station_id: str, password: str | None) -> int:
    """101 when the socket opened (then closed again), else the refusal's HTTP status."""
    station = SimulatedStation(station_id, "2.0.1", PROFILES["normal-ac-6kw"], SimClock(speed=0))
    try:
        await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp", password=password)
    except InvalidStatus as refused:
        return int(refused.response.status_code)
    await station.close()
    return 101


async def refusals(system: CentralSystem) -> dict[str, float]:
    """csms_handshakes_refused_total by reason, from /metrics."""
    async with api_client(system) as client:
        text = (await client.get("/metrics")).text
    found = re.findall(r'^csms_handshakes_refused_total\{reason="([^"]+)"\} (\S+)$', text, re.M)
    return {reason: float(value) for reason, value in found}


def delta(before: dict[str, float], after: dict[str, float], reason: str) -> float:
    return after.get(reason, 0.0) - before.get(reason, 0.0)


async def test_parallel_wrong_passwords_are_all_refused_and_only_the_limit_checked(
    system: CentralSystem,
) -> None:
    """200 wrong passwords at once for one station: all refused; exactly LIMIT are checked
    (401), the rest refused unchecked (429); the station id is then locked out even with its
    correct password, while a second station behind the same address connects."""
    victim, neighbour = await add(system), await add(system)
    before = await refusals(system)
    statuses = await asyncio.gather(*(attempt(system, victim, WRONG) for _ in range(200)))
    after = await refusals(system)
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == LIMIT
    assert delta(before, after, "Unauthorized") == LIMIT
    assert delta(before, after, "Too Many Requests") == 200 - LIMIT
    assert await attempt(system, victim, PASSWORD) == 429  # locked out: not even checked
    assert await attempt(system, neighbour, PASSWORD) == 101  # same address, other station


async def test_an_address_over_its_limit_learns_nothing_but_stations_still_connect(
    system: CentralSystem,
) -> None:
    """A scan of many station ids from one address: beyond the per-address limit every
    refusal is 429 (unknown id, wrong password alike), yet a registered station with its
    correct password still connects from that address."""
    station_id = await add(system)
    scan = await asyncio.gather(
        *(attempt(system, unique("SCAN"), WRONG) for _ in range(ADDRESS_LIMIT + 20))
    )
    assert scan.count(404) == ADDRESS_LIMIT  # each failure counted exactly, in parallel
    assert scan.count(429) == 20
    assert await attempt(system, unique("SCAN"), WRONG) == 429  # unknown id: not told so
    assert await attempt(system, station_id, WRONG) == 429  # wrong password: the same answer
    assert await attempt(system, station_id, PASSWORD) == 101  # its own password: connects
