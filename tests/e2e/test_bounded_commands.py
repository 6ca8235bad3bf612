"""Commands are bounded: one deadline from submission, a queue limit per station, and a
station that goes away ends its commands with 409/504, never 500.

OCPP-J (1.6 §4.1.1, 2.0.1 Part 4 §4.1.1) allows one outstanding Call per direction, so the
central system queues a station's commands; ``ocpp_call_timeout_s`` covers the queueing
and the answer, and ``ocpp_command_queue_limit`` bounds the queue (429 beyond it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

DEADLINE_S = 1.0
LIMIT = 8


@pytest.fixture
async def system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    settings = make_settings(
        migrated_dsn, ocpp_call_timeout_s=DEADLINE_S, ocpp_command_queue_limit=LIMIT
    )
    async with CentralSystem(settings) as central:
        yield central


async def silent_station(system: CentralSystem, version: str = "1.6") -> SimulatedStation:
    """A booted station whose Reset handler never answers."""
    station = SimulatedStation(
        unique("MUTE"), version, PROFILES["normal-ac-6kw"], SimClock(speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    await station.boot()
    assert station.client is not None

    async def never(payload: dict[str, Any]) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    station.client.handlers["Reset"] = never
    return station


async def timed_reset(api: httpx.AsyncClient, station_id: str) -> tuple[int, float, str]:
    started = time.monotonic()
    response = await api.post(f"/api/stations/{station_id}/commands/reset", json={"hard": True})
    return response.status_code, time.monotonic() - started, response.text


async def test_queued_commands_to_a_silent_station_all_answer_within_the_deadline(
    system: CentralSystem,
) -> None:
    """Six concurrent resets to a station that never answers: each is 504 within the one
    deadline of its submission (before: 1 s, 2 s, ... 6 s, the lock outside the deadline)."""
    station = await silent_station(system)
    try:
        async with api_client(system) as api:
            answers = await asyncio.gather(
                *(timed_reset(api, station.station_id) for _ in range(6))
            )
    finally:
        await station.close()
    assert [status for status, _, _ in answers] == [504] * 6, answers
    assert all("did not answer Reset" in text for _, _, text in answers), answers
    assert max(elapsed for _, elapsed, _ in answers) < 2 * DEADLINE_S, answers
    assert min(elapsed for _, elapsed, _ in answers) >= DEADLINE_S * 0.9, answers


async def test_commands_beyond_the_queue_limit_are_429_at_once(system: CentralSystem) -> None:
    """LIMIT + 3 concurrent resets: LIMIT wait for the deadline (504), 3 are 429 at once."""
    station = await silent_station(system)
    try:
        async with api_client(system) as api:
            answers = await asyncio.gather(
                *(timed_reset(api, station.station_id) for _ in range(LIMIT + 3))
            )
    finally:
        await station.close()
    busy = [answer for answer in answers if answer[0] == 429]
    assert len(busy) == 3, answers
    assert sorted(status for status, _, _ in answers) == [429] * 3 + [504] * LIMIT, answers
    assert all(elapsed < DEADLINE_S / 2 for _, elapsed, _ in busy), busy
    assert all("commands waiting" in text for _, _, text in busy), busy


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_station_that_closes_its_socket_while_commands_wait_gives_409(
    system: CentralSystem, version: str
) -> None:
    """A hard Reset in flight and two queued behind it; the station drops its socket (it
    rebooted without answering): every command is 409 not connected at once, none 500."""
    station = await silent_station(system, version)
    async with api_client(system) as api:
        resets = [asyncio.create_task(timed_reset(api, station.station_id)) for _ in range(3)]
        await asyncio.sleep(0.2)  # the first Call is at the station, two wait behind it
        await station.close()
        answers = await asyncio.gather(*resets)
        audit = (await api.get(f"/api/audit?station_id={station.station_id}")).json()
    assert [status for status, _, _ in answers] == [409] * 3, answers
    assert all("not connected" in text for _, _, text in answers), answers
    assert all(elapsed < DEADLINE_S for _, elapsed, _ in answers), answers
    outcomes = [e["outcome"] for e in audit["entries"] if e["action"] == "Reset"]
    assert outcomes == ["not connected"] * 3, audit
