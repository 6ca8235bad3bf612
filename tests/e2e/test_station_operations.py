"""Typed station operations over real sockets, 1.6 and 2.0.1: the frame the station got,
its answer, what is stored (the audit row with the answer; firmware and diagnostics status)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import httpx
import pytest

from csms.access.models import Role
from csms.bootstrap import CentralSystem
from tests.e2e.conftest import api_client

AT = "2027-01-01T00:00:00+00:00"
AT_WIRE = "2027-01-01T00:00:00.000Z"

# (path, body, action the station gets, its payload (in the schema's field order), status)
OPERATIONS: dict[str, list[tuple[str, dict[str, Any], str, dict[str, Any], str | None]]] = {
    "1.6": [
        ("reset", {"type": "Immediate"}, "Reset", {"type": "Hard"}, "Accepted"),
        ("reset", {"type": "Soft"}, "Reset", {"type": "Soft"}, "Accepted"),
        ("unlock", {"evse_id": 2}, "UnlockConnector", {"connectorId": 2}, "Unlocked"),
        (
            "availability",
            {"operative": False, "evse_id": 1},
            "ChangeAvailability",
            {"connectorId": 1, "type": "Inoperative"},
            "Accepted",
        ),
        ("clear-cache", {}, "ClearCache", {}, "Accepted"),
        (
            "data-transfer",
            {"vendor_id": "ACME", "message_id": "ping", "data": "x"},
            "DataTransfer",
            {"vendorId": "ACME", "messageId": "ping", "data": "x"},
            "Accepted",
        ),
        (
            "trigger",
            {"message": "StatusNotification", "evse_id": 1},
            "TriggerMessage",
            {"requestedMessage": "StatusNotification", "connectorId": 1},
            "Accepted",
        ),
    ],
    "2.0.1": [
        (
            "reset",
            {"type": "Soft", "evse_id": 1},
            "Reset",
            {"type": "OnIdle", "evseId": 1},
            "Accepted",
        ),
        ("reset", {"type": "Hard"}, "Reset", {"type": "Immediate"}, "Accepted"),
        (
            "unlock",
            {"evse_id": 1, "connector_id": 1},
            "UnlockConnector",
            {"evseId": 1, "connectorId": 1},
            "Unlocked",
        ),
        (
            "availability",
            {"operative": True},
            "ChangeAvailability",
            {"operationalStatus": "Operative"},
            "Accepted",
        ),
        ("clear-cache", {}, "ClearCache", {}, "Accepted"),
        (
            "data-transfer",
            {"vendor_id": "ACME", "data": {"a": [1, 2]}},
            "DataTransfer",
            {"data": {"a": [1, 2]}, "vendorId": "ACME"},
            "Accepted",
        ),
        (
            "trigger",
            {"message": "Heartbeat"},
            "TriggerMessage",
            {"requestedMessage": "Heartbeat"},
            "Accepted",
        ),
    ],
}


async def last_audit(db: asyncpg.Connection, station_id: str, action: str) -> asyncpg.Record:
    """The latest audit row of the station's command ``action`` (not of the API request)."""
    row = await db.fetchrow(
        "SELECT action, outcome, answer, error FROM audit_log WHERE station_id = $1"
        " AND action = $2 ORDER BY audit_id DESC LIMIT 1",
        station_id,
        action,
    )
    assert row is not None
    return row


def answer_of(row: asyncpg.Record) -> Any:
    answer = row["answer"]
    return json.loads(answer) if isinstance(answer, str) else answer


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_each_typed_operation_reaches_the_station_as_its_versions_call(
    version: str, connect_station: Any, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """The station receives exactly the mapped payload, fields in the schema's order; the API
    answers with the station's answer, which the audit log keeps with the command."""
    station = await connect_station(version)
    for path, body, action, payload, status in OPERATIONS[version]:
        response = await api.post(f"/api/stations/{station.station_id}/{path}", json=body)
        assert response.status_code == 200, (path, response.text)
        answer = response.json()
        assert (answer["action"], answer["status"]) == (action, status)
        received = station.received(action)[-1]
        assert received == payload, path
        assert list(received) == list(payload), path  # the schema's field order
        row = await last_audit(db, station.station_id, action)
        assert (row["action"], row["outcome"]) == (action, status)
        assert answer_of(row) == answer["payload"]


async def test_reset_types_and_evses_that_a_version_does_not_have_are_400(
    connect_station: Any, api: httpx.AsyncClient
) -> None:
    v16 = await connect_station("1.6")
    with_evse = await api.post(
        f"/api/stations/{v16.station_id}/reset", json={"type": "Soft", "evse_id": 1}
    )
    assert with_evse.status_code == 400, with_evse.text
    assert "evse_id" in with_evse.json()["error"]
    unknown = await api.post(f"/api/stations/{v16.station_id}/reset", json={"type": "Gentle"})
    assert unknown.status_code == 400
    assert not v16.received("Reset")
    missing = await api.post("/api/stations/nobody/reset", json={"type": "Soft"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "no_such_station"


async def wait_for_station(api: httpx.AsyncClient, station_id: str, **expected: str) -> Any:
    async with asyncio.timeout(5):
        while True:
            station = (await api.get(f"/api/stations/{station_id}")).json()
            if all((station.get(k) or {}).get("status") == v for k, v in expected.items()):
                return station
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_firmware_and_diagnostics_requests_and_their_status_on_the_station(
    version: str, connect_station: Any, api: httpx.AsyncClient
) -> None:
    """UpdateFirmware and GetDiagnostics (2.0.1 GetLog); the station's status notifications
    show at GET /api/stations/{id} with their time."""
    station = await connect_station(version)
    firmware = await api.post(
        f"/api/stations/{station.station_id}/firmware",
        json={
            "location": "https://fw.example/2.bin",
            "retrieve_at": AT,
            "retries": 2,
            "retry_interval_s": 30,
        },
    )
    assert firmware.status_code == 200, firmware.text
    request_id = firmware.json()["request_id"]
    diagnostics = await api.post(
        f"/api/stations/{station.station_id}/diagnostics",
        json={"location": "ftp://logs.example/", "start": AT},
    )
    assert diagnostics.status_code == 200, diagnostics.text
    log_id = diagnostics.json()["request_id"]
    if version == "1.6":
        assert list(station.received("UpdateFirmware")[-1].items()) == [
            ("location", "https://fw.example/2.bin"),
            ("retries", 2),
            ("retrieveDate", AT_WIRE),
            ("retryInterval", 30),
        ]
        assert station.received("GetDiagnostics")[-1] == {
            "location": "ftp://logs.example/",
            "startTime": AT_WIRE,
        }
        assert diagnostics.json()["payload"]["fileName"].startswith("diagnostics-")
    else:
        assert list(station.received("UpdateFirmware")[-1].items()) == [
            ("retries", 2),
            ("retryInterval", 30),
            ("requestId", request_id),
            ("firmware", {"location": "https://fw.example/2.bin", "retrieveDateTime": AT_WIRE}),
        ]
        assert station.received("GetLog")[-1] == {
            "log": {"remoteLocation": "ftp://logs.example/", "oldestTimestamp": AT_WIRE},
            "logType": "DiagnosticsLog",
            "requestId": log_id,
        }
        assert diagnostics.json()["status"] == "Accepted"
    shown = await wait_for_station(
        api, station.station_id, firmware="Installed", diagnostics="Uploaded"
    )
    assert shown["firmware"]["at"]
    assert shown["diagnostics"]["at"]
    if version == "2.0.1":
        assert shown["firmware"]["request_id"] == request_id
        assert shown["diagnostics"]["request_id"] == log_id
        assert shown["diagnostics"]["notification"] == "LogStatusNotification"


@pytest.mark.parametrize(
    ("version", "keys", "values"),
    [
        (
            "1.6",
            ["HeartbeatInterval", "Nope"],
            {"HeartbeatInterval": "60", "MeterValueSampleInterval": "15"},
        ),
        (
            "2.0.1",
            ["OCPPCommCtrlr.HeartbeatInterval", "X.Nope"],
            {"OCPPCommCtrlr.HeartbeatInterval": "60", "SampledDataCtrlr.TxUpdatedInterval": "15"},
        ),
    ],
)
async def test_configuration_reads_and_writes_several_keys_per_call(
    version: str,
    keys: list[str],
    values: dict[str, str],
    connect_station: Any,
    api: httpx.AsyncClient,
) -> None:
    """1.6: GetConfiguration with keys, one ChangeConfiguration per key; 2.0.1: GetVariables
    and one SetVariables with every variable."""
    station = await connect_station(version)
    url = f"/api/stations/{station.station_id}/configuration"
    read = await api.get(url, params=[("key", key) for key in keys])
    assert read.status_code == 200, read.text
    found = {item["key"]: item for item in read.json()["values"]}
    assert found[keys[0]]["value"] == "300"
    assert found[keys[0]]["status"] == "Accepted"
    assert found[keys[1]]["status"] in ("UnknownKey", "UnknownVariable")
    written = await api.put(url, json={"values": values})
    assert written.status_code == 200, written.text
    assert [item["status"] for item in written.json()["values"]] == ["Accepted", "Accepted"]
    if version == "1.6":
        assert station.received("ChangeConfiguration") == [
            {"key": key, "value": value} for key, value in values.items()
        ]
    else:
        (sent,) = station.received("SetVariables")
        assert len(sent["setVariableData"]) == 2
    assert station.configuration["HeartbeatInterval"] == "60"
    empty = await api.put(url, json={"values": {}})
    assert empty.status_code == 400


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_an_operators_local_list_is_sent_and_its_version_recorded(
    version: str, connect_station: Any, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """A Full list, then a Differential one whose entry without status removes a token."""
    station = await connect_station(version)
    url = f"/api/stations/{station.station_id}/local-list"
    full = {
        "version": 7,
        "update_type": "Full",
        "entries": [
            {"id_token": "CARD-A", "status": "Accepted", "expiry": AT, "parent": "GROUP"},
            {"id_token": "CARD-B", "status": "Blocked"},
        ],
    }
    response = await api.put(url, json=full)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "Accepted"
    assert station.local_list == {"CARD-A": "Accepted", "CARD-B": "Blocked"}
    sent = station.received("SendLocalList")[-1]
    assert sent["updateType"] == "Full"
    held = "SELECT local_list_version FROM stations WHERE station_id = $1"
    assert await db.fetchval(held, station.station_id) is None  # not ours: next push is Full
    differential = {
        "version": 8,
        "update_type": "Differential",
        "entries": [{"id_token": "CARD-B"}],
    }
    response = await api.put(url, json=differential)
    assert response.status_code == 200, response.text
    assert station.local_list == {"CARD-A": "Accepted"}
    assert await db.fetchval(held, station.station_id) is None
    version_asked = await api.get(f"/api/stations/{station.station_id}/local-list-version")
    assert version_asked.json()["version"] == 8
    no_status = {"version": 9, "update_type": "Full", "entries": [{"id_token": "CARD-C"}]}
    assert (await api.put(url, json=no_status)).status_code == 400


async def wait_for_session(db: asyncpg.Connection, station_id: str) -> asyncpg.Record:
    async with asyncio.timeout(5):
        while True:
            row = await db.fetchrow(
                "SELECT session_id, id_token, state FROM sessions WHERE station_id = $1",
                station_id,
            )
            if row is not None:
                return row
            await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("version", "on_the_wire"),
    [("1.6", '"idTag":"CERT-TAG-1"'), ("2.0.1", '"idToken":"CERT-TAG-1"')],
)
async def test_remote_start_sends_the_token_exactly_and_the_session_keeps_it(
    version: str,
    on_the_wire: str,
    connect_station: Any,
    api: httpx.AsyncClient,
    db: asyncpg.Connection,
    central_system: CentralSystem,
) -> None:
    """CERT-TAG-1 goes on the wire as given; the session the station starts with it is
    stored with the token as the station sent it; remote stop ends it (scoped)."""
    station = await connect_station(version)
    started = await api.post(
        f"/api/stations/{station.station_id}/remote-start",
        json={"id_token": "CERT-TAG-1", "evse_id": 1},
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "Accepted"
    assert any(on_the_wire in frame for frame in station.client.received_frames)
    session = await wait_for_session(db, station.station_id)
    assert session["id_token"] == "CERT-TAG-1"
    shown = await api.get(f"/api/sessions/{session['session_id']}")
    assert shown.json()["id_token"] == "CERT-TAG-1"
    url = f"/api/sessions/{session['session_id']}/remote-stop"
    made = await api.post("/api/operators", json={"operator_id": "OTHER-OP", "name": "Other"})
    assert made.status_code in (200, 201), made.text
    async with api_client(central_system, Role.OPERATOR, "OTHER-OP") as other:
        assert (await other.post(url)).status_code == 404
    stopped = await api.post(url)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "Accepted"
    (stop,) = station.received(
        "RemoteStopTransaction" if version == "1.6" else "RequestStopTransaction"
    )
    assert str(stop["transactionId"]) != ""
    async with asyncio.timeout(5):
        while (await wait_for_session(db, station.station_id))["state"] == "active":
            await asyncio.sleep(0.05)
    assert (await api.post(url)).status_code == 409
