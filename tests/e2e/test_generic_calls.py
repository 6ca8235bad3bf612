"""The generic call ``POST /api/stations/{id}/calls/{Action}`` over real sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest


async def test_a_valid_payload_is_sent_as_given_and_answered_with_the_stations_result(
    connect_station: Any, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    station = await connect_station("1.6")
    response = await api.post(
        f"/api/stations/{station.station_id}/calls/GetConfiguration",
        json={"key": ["HeartbeatInterval"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["action"] == "GetConfiguration"
    assert body["response"]["configurationKey"][0] == {
        "key": "HeartbeatInterval",
        "readonly": False,
        "value": "300",
    }
    assert station.received("GetConfiguration") == [{"key": ["HeartbeatInterval"]}]
    audited = await db.fetchrow(
        "SELECT outcome, answer FROM audit_log WHERE station_id = $1 AND action = $2",
        station.station_id,
        "GetConfiguration",
    )
    assert audited is not None
    assert audited["answer"] == body["response"]


@pytest.mark.parametrize(
    ("version", "action", "payload", "complaint"),
    [
        ("1.6", "GetConfiguration", {"key": "HeartbeatInterval"}, "key"),
        ("2.0.1", "Reset", {"type": "Sometime"}, "type"),
        ("2.0.1", "GetBaseReport", {}, "requestId"),
        ("1.6", "BootNotification", {}, "not a call a central system sends"),
        ("2.0.1", "RemoteStartTransaction", {}, "not a call a central system sends"),
        ("1.6", "Coffee", {}, "not a call a central system sends"),
    ],
)
async def test_a_payload_off_the_schema_or_an_action_the_csms_does_not_send_is_400(
    version: str,
    action: str,
    payload: dict[str, Any],
    complaint: str,
    connect_station: Any,
    api: httpx.AsyncClient,
) -> None:
    station = await connect_station(version)
    response = await api.post(f"/api/stations/{station.station_id}/calls/{action}", json=payload)
    assert response.status_code == 400, response.text
    assert complaint in response.json()["error"]
    assert not station.client.received_calls  # nothing was sent


async def test_a_call_error_is_502_with_the_stations_code_and_not_connected_is_409(
    connect_station: Any, api: httpx.AsyncClient
) -> None:
    station = await connect_station("2.0.1")
    del station.client.handlers["GetBaseReport"]
    url = f"/api/stations/{station.station_id}/calls/GetBaseReport"
    response = await api.post(url, json={"requestId": 1, "reportBase": "FullInventory"})
    assert response.status_code == 502, response.text
    body = response.json()
    assert body["code"] == "station_error"
    assert body["station_code"] == "NotSupported"
    assert body["description"] == "GetBaseReport not simulated"
    assert "NotSupported" in body["error"]
    typed = await api.post(f"/api/stations/{station.station_id}/clear-cache", json={})
    assert typed.status_code == 200
    del station.client.handlers["ClearCache"]
    typed = await api.post(f"/api/stations/{station.station_id}/clear-cache", json={})
    assert (typed.status_code, typed.json()["station_code"]) == (502, "NotSupported")
    await station.close()
    for _ in range(100):
        offline = await api.post(url, json={"requestId": 2, "reportBase": "FullInventory"})
        if offline.status_code != 502:
            break
        await asyncio.sleep(0.02)
    assert offline.status_code == 409
    assert (await api.post("/api/stations/nobody/calls/ClearCache", json={})).status_code == 404


@pytest.mark.parametrize(
    ("version", "payload"),
    [
        ("1.6", {"listVersion": 42, "updateType": "Full", "localAuthorizationList": []}),
        ("2.0.1", {"versionNumber": 42, "updateType": "Full"}),
    ],
)
async def test_a_generic_send_local_list_records_the_version_the_station_holds(
    version: str,
    payload: dict[str, Any],
    connect_station: Any,
    api: httpx.AsyncClient,
    db: asyncpg.Connection,
) -> None:
    station = await connect_station(version)
    url = f"/api/stations/{station.station_id}/calls/SendLocalList"
    response = await api.post(url, json=payload)
    assert response.status_code == 200, response.text
    assert response.json()["response"] == {"status": "Accepted"}
    held = "SELECT local_list_version FROM stations WHERE station_id = $1"
    assert await db.fetchval(held, station.station_id) is None  # not ours: next push is Full
    assert station.local_list_version == 42
