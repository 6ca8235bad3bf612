"""The CLI's daily operations call the running server's API: tables, --json, exit codes."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import asyncpg
import pytest

from csms.bootstrap import CentralSystem
from csms.cli import main
from tests.e2e.conftest import new_key


@pytest.fixture
async def cli_env(central_system: CentralSystem, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSMS_API_HOST", "127.0.0.1")
    monkeypatch.setenv("CSMS_API_PORT", str(central_system.api_port))
    monkeypatch.setenv("CSMS_API_KEY", await new_key(central_system))


_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[")


def printed(capsys: pytest.CaptureFixture[str]) -> str:
    """What the CLI printed: stdout without the in-process server's log lines."""
    out = capsys.readouterr().out
    return "\n".join(line for line in out.splitlines() if not _LOG_LINE.match(line))


async def csms(*argv: str) -> int:
    """``csms ARGV`` in a thread: the server keeps serving in this loop meanwhile."""
    return await asyncio.to_thread(main, list(argv))


async def test_station_operations_from_the_cli(
    cli_env: None,
    connect_station: Any,
    capsys: pytest.CaptureFixture[str],
    db: asyncpg.Connection,
) -> None:
    station = await connect_station("2.0.1")
    sid = station.station_id
    assert await csms("station", "reset", sid, "--type", "Hard", "--evse", "1") == 0
    out = printed(capsys)
    assert out.splitlines()[0].split() == ["action", "status", "payload"]
    assert "Reset" in out
    assert "Accepted" in out
    assert station.received("Reset") == [{"type": "Immediate", "evseId": 1}]
    assert await csms("station", "unlock", sid, "1", "--json") == 0
    assert json.loads(printed(capsys))["status"] == "Unlocked"
    assert await csms("station", "availability", sid, "inoperative", "--evse", "1") == 0
    assert await csms("station", "clear-cache", sid) == 0
    assert await csms("station", "trigger", sid, "Heartbeat") == 0
    assert await csms("station", "remote-start", sid, "CERT-TAG-1", "--evse", "1") == 0
    assert '"idToken":"CERT-TAG-1"' in station.client.received_frames[-1]
    printed(capsys)
    async with asyncio.timeout(5):
        while not await db.fetchval("SELECT count(*) FROM sessions WHERE station_id = $1", sid):
            await asyncio.sleep(0.05)
    assert await csms("session", "list", "--station", sid, "--json") == 0
    (listed,) = json.loads(printed(capsys))["sessions"]
    assert listed["id_token"] == "CERT-TAG-1"
    assert await csms("session", "list", "--station", sid) == 0
    lines = printed(capsys).splitlines()
    assert lines[0].startswith("session_id")
    assert listed["session_id"] in lines[1]
    assert await csms("session", "show", listed["session_id"]) == 0
    assert "CERT-TAG-1" in printed(capsys)
    assert await csms("session", "remote-stop", listed["session_id"]) == 0
    assert "Accepted" in printed(capsys)


async def test_cli_failures_are_one_line_with_documented_exit_codes(
    cli_env: None,
    connect_station: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    station = await connect_station("1.6")
    assert await csms("station", "reset", station.station_id, "--evse", "1") == 1
    err = capsys.readouterr().err
    assert err.startswith("csms: 400: ")
    assert len(err.strip().splitlines()) == 1
    del station.client.handlers["ClearCache"]
    assert await csms("station", "clear-cache", station.station_id) == 1
    assert "[NotSupported]" in capsys.readouterr().err
    assert (
        await csms("session", "close", "5a1d3e1c-8a55-4e0c-9d2b-0c2f5b0c7e11", "--reason", "x") == 1
    )
    assert "404" in capsys.readouterr().err
    monkeypatch.setenv("CSMS_API_KEY", "wrong")
    assert await csms("station", "clear-cache", station.station_id) == 1
    assert "401" in capsys.readouterr().err
    monkeypatch.delenv("CSMS_API_KEY")
    assert await csms("station", "clear-cache", station.station_id) == 2
    assert "CSMS_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("CSMS_API_PORT", "1")
    assert await csms("session", "list", "--api-key", "k") == 3
    assert "cannot reach the API" in capsys.readouterr().err


async def test_station_reservable_from_the_cli(
    cli_env: None, connect_station: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    station = await connect_station("1.6")
    sid = station.station_id
    argv = ["station", "reservable", sid, "--on", "--hours", "08:00-22:00", "--json"]
    assert await csms(*argv, "--no-show-fee", "550", "--extension-fee", "20") == 0
    policy = json.loads(printed(capsys))
    assert policy["reservable"] is True
    assert (policy["opens_at"], policy["closes_at"]) == ("08:00", "22:00")
    assert (policy["no_show_fee"], policy["extension_fee_per_minute"]) == ("550", "20")
    assert await csms("station", "reservable", sid, "--off", "--json") == 0
    assert json.loads(printed(capsys))["reservable"] is False
    assert await csms("station", "reservable", sid, "--on", "--no-show-fee", "1.5e", "--json") != 0


async def test_sites_from_the_cli(
    cli_env: None, connect_station: Any, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    station = await connect_station("2.0.1")
    site = {
        "name": "Lot A",
        "contracted_kw": "40",
        "feeders": [{"feeder_id": "main", "limit_kw": "30"}],
        "members": [
            {
                "feeder_id": "main",
                "station_id": station.station_id,
                "evse_id": 1,
                "current": "DC",
                "max_kw": "50",
                "min_kw": "5",
            }
        ],
    }
    path = tmp_path / "site.json"
    path.write_text(json.dumps(site), encoding="utf-8")
    assert await csms("site", "put", "LOT-A-CLI", str(path), "--json") == 0
    saved = json.loads(printed(capsys))
    assert saved["contracted_kw"] == "40"
    assert saved["members"][0]["station_id"] == station.station_id
    assert await csms("site", "list", "--json") == 0
    assert "LOT-A-CLI" in json.loads(printed(capsys))["sites"]
    path.write_text(json.dumps(site | {"feeders": []}), encoding="utf-8")
    assert await csms("site", "put", "LOT-A-CLI", str(path)) == 1  # a member on no feeder
