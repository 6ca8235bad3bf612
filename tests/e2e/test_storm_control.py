"""Boot storms: Pending with a retry interval beyond the configured rate, over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import make_settings


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_boots_beyond_the_rate_get_pending_then_accepted(
    version: str, migrated_dsn: str
) -> None:
    """With 2 boots/s, the third station in the same second is Pending, later Accepted."""
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    settings = make_settings(
        migrated_dsn, boot_accept_per_s=2, heartbeat_jitter=0.2, heartbeat_interval_s=300
    )
    async with CentralSystem(settings, clock=clock) as system:
        stations = [
            SimulatedStation(unique("STORM"), version, PROFILES["normal-ac-6kw"], SimClock(speed=0))
            for _ in range(3)
        ]
        answers = []
        for station in stations:
            await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
            answers.append(await station.boot())
        assert [a["status"] for a in answers] == ["Accepted", "Accepted", "Pending"]
        assert answers[2]["interval"] == 1  # retry after a second
        assert all(240 <= a["interval"] <= 360 for a in answers[:2])  # jittered heartbeat
        clock.advance(1)
        assert (await stations[2].boot())["status"] == "Accepted"
        for station in stations:
            await station.close()
