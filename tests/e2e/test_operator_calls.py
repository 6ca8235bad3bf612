"""Operator calls to stations through the API and the core StationGateway port."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import pytest

from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings


async def wait_for_lock_waiter(db: asyncpg.Connection) -> None:
    """Until a server connection waits for a lock that ``db``'s open transaction holds (the
    station's handler is then inside its write). Asked by blocking pid, not by query text:
    the waiting statement's text depends on which writer (a group commit, a COMMIT) waits."""
    try:
        async with asyncio.timeout(5):
            while not await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            ):
                await asyncio.sleep(0.01)
    except TimeoutError:
        rows = await db.fetch(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 300) AS q"
            " FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        for row in rows:
            print("DEBUG-ACTIVITY", dict(row))
        raise


async def test_operator_call_completes_while_the_station_is_mid_message(
    connect_station: Any,
    db: asyncpg.Connection,
    api: httpx.AsyncClient,
    central_system: CentralSystem,
) -> None:
    """A GetConfiguration is answered while the station's own Call is still being handled."""
    station = await connect_station("1.6")
    await station.status(1, "Available")
    async with db.transaction():
        await db.execute(
            "SELECT 1 FROM connectors WHERE station_id = $1 FOR UPDATE", station.station_id
        )
        own_message = asyncio.create_task(station.status(1, "Preparing"))
        await wait_for_lock_waiter(db)  # the server is now inside the station's handler
        started = time.monotonic()
        response = await api.post(
            f"/api/stations/{station.station_id}/commands/get-configuration",
            json={"keys": ["HeartbeatInterval"]},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text
        assert response.json()["payload"]["configurationKey"][0]["value"] == "300"
        assert elapsed < central_system.settings.ocpp_call_timeout_s / 2
        assert not own_message.done()  # the station's message is still in progress
    async with asyncio.timeout(5):
        await own_message
    status = await db.fetchval(
        "SELECT status FROM connectors WHERE station_id = $1 AND evse_id = 1", station.station_id
    )
    assert status == "Preparing"


COMMANDS = [
    (
        "get-configuration",
        {"keys": ["HeartbeatInterval"]},
        {"keys": ["OCPPCommCtrlr.HeartbeatInterval"]},
        None,
    ),
    (
        "set-configuration",
        {"key": "HeartbeatInterval", "value": "60"},
        {"key": "OCPPCommCtrlr.HeartbeatInterval", "value": "60"},
        None,
    ),
    ("trigger-message", {"message": "Heartbeat"}, {"message": "Heartbeat"}, "Accepted"),
    ("reset", {"hard": False}, {"hard": True}, "Accepted"),
    ("unlock-connector", {"evse_id": 1}, {"evse_id": 1, "connector_id": 1}, "Unlocked"),
    ("change-availability", {"operative": False, "evse_id": 2}, {"operative": True}, "Accepted"),
]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
@pytest.mark.parametrize(
    ("name", "body16", "body201", "status"), COMMANDS, ids=[c[0] for c in COMMANDS]
)
async def test_operator_commands_reach_the_station(
    version: str,
    name: str,
    body16: dict[str, Any],
    body201: dict[str, Any],
    status: str | None,
    connect_station: Any,
    api: httpx.AsyncClient,
) -> None:
    """Each operator command becomes the version's message and returns the station's answer."""
    station = await connect_station(version)
    body = body16 if version == "1.6" else body201
    response = await api.post(f"/api/stations/{station.station_id}/commands/{name}", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    if status is not None:
        assert result["status"] == status
    if name == "set-configuration":
        assert station.configuration["HeartbeatInterval"] == "60"


async def test_command_errors_map_to_http_statuses(
    connect_station: Any, api: httpx.AsyncClient
) -> None:
    """Unregistered 404, not connected 409, station CallError 502, unknown command 404, bad
    body 400."""
    missing = await api.post("/api/stations/nobody/commands/reset", json={})
    assert missing.status_code == 404
    gone = await connect_station("1.6")
    await gone.close()
    for _ in range(100):
        offline = await api.post(f"/api/stations/{gone.station_id}/commands/reset", json={})
        if offline.status_code != 200:
            break
        await asyncio.sleep(0.02)
    assert offline.status_code == 409
    assert "not connected" in offline.json()["error"]
    station = await connect_station("2.0.1")
    del station.client.handlers["Reset"]
    rejected = await api.post(f"/api/stations/{station.station_id}/commands/reset", json={})
    assert rejected.status_code == 502
    assert "NotSupported" in rejected.json()["error"]
    unknown = await api.post(f"/api/stations/{station.station_id}/commands/explode", json={})
    assert unknown.status_code == 404
    bad = await api.post(
        f"/api/stations/{station.station_id}/commands/reset", json={"violently": True}
    )
    assert bad.status_code == 400
    not_json = await api.post(
        f"/api/stations/{station.station_id}/commands/reset",
        content=b"{oops",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    bad_key = await api.post(
        f"/api/stations/{station.station_id}/commands/get-configuration", json={"keys": ["NoDot"]}
    )
    assert bad_key.status_code == 400


async def test_a_silent_station_times_out_with_504(migrated_dsn: str) -> None:
    """A station that never answers gives 504 after the configured call time-out."""
    settings = make_settings(migrated_dsn, ocpp_call_timeout_s=0.3)
    async with CentralSystem(settings) as system:
        station = SimulatedStation(
            unique("SLOW"), "1.6", PROFILES["normal-ac-6kw"], SimClock(speed=0), answer_delay_s=5
        )
        await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
        try:
            async with api_client(system) as api:
                response = await api.post(
                    f"/api/stations/{station.station_id}/commands/reset", json={}
                )
            assert response.status_code == 504
            assert "did not answer" in response.json()["error"]
        finally:
            await station.close()
