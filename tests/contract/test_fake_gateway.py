"""The fake station gateway: what it records and how it answers (no PostgreSQL side)."""

from __future__ import annotations

import pytest

from csms.errors import StationNotConnected, StationTimeout
from csms.station_commands.commands import CommandResult, GetLocalListVersion, Reset
from tests.fakes import FakeStationGateway


async def test_the_fake_gateway_answers_connected_stations_and_records_every_send() -> None:
    """Connected stations get the canned answer (station-specific first); all sends are kept."""
    gateway = FakeStationGateway(connected=["A", "B"])
    version = CommandResult("GetLocalListVersion", None, {"listVersion": 3})
    gateway.answer(GetLocalListVersion, version)
    gateway.answer(Reset, StationTimeout("B", "Reset", 5.0), station_id="B")
    assert await gateway.send("A", GetLocalListVersion()) == version
    assert (await gateway.send("A", Reset())).status == "Accepted"
    with pytest.raises(StationTimeout):
        await gateway.send("B", Reset())
    with pytest.raises(StationNotConnected):
        await gateway.send("C", Reset("Hard"))
    assert gateway.sent == [
        ("A", GetLocalListVersion()),
        ("A", Reset()),
        ("B", Reset()),
        ("C", Reset("Hard")),
    ]
    assert gateway.commands_to("A") == [GetLocalListVersion(), Reset()]
    assert (gateway.is_connected("A"), gateway.is_connected("C")) == (True, False)
