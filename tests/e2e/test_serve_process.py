"""``csms serve`` as an operator runs it: embedded PostgreSQL, simulator, CLI, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from csms.bootstrap import CentralSystem
from simulators.scenario import run_station
from tests.e2e.conftest import make_settings
from tests.e2e.test_operator_calls import wait_for_lock_waiter


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    env["CSMS_DATA_DIR"] = str(data_dir)
    return env


async def _read_until(
    stream: asyncio.StreamReader, event: str, printed: list[str] | None = None
) -> dict[str, Any]:
    """The JSON log line of ``event``; lines that are not JSON go to ``printed``."""
    while True:
        line = await stream.readline()
        if not line:
            raise AssertionError(f"server exited before logging {event}")
        try:
            record = json.loads(line)
        except ValueError:
            if printed is not None:
                printed.append(line.decode())
            continue
        if record.get("event") == event:
            return dict(record)


async def _demo_key(stream: asyncio.StreamReader) -> str:
    """The admin key ``serve --demo`` prints (``export CSMS_API_KEY=...``)."""
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError("server exited before printing its demo key")
        if "export CSMS_API_KEY=" in line:
            return line.split("=", 1)[1].strip()


async def test_serve_on_embedded_postgres_runs_sessions_and_stops_on_sigterm() -> None:
    """The quick-start path (serve --demo), both versions priced, CLI alongside, SIGTERM."""
    root = Path(tempfile.mkdtemp(prefix="csms-serve-"))
    os.chmod(root, 0o755)
    data_dir = root / "data"
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "csms",
        "serve",
        "--demo",
        "--port",
        "0",
        "--api-port",
        "0",
        "--public-port",
        "0",
        env=_env(data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert server.stdout is not None
    try:
        async with asyncio.timeout(60):
            started = await _read_until(server.stdout, "central_system_started")
            await _read_until(server.stdout, "demo_ready")  # demo cards are in place
            key = await _demo_key(server.stdout)
        assert started["database"] == "embedded"
        assert started["development_mode"] is True
        url = f"ws://127.0.0.1:{started['ocpp_port']}/ocpp"
        runs = {"DEMO-AC": ("1.6", "normal-ac-6kw"), "DEMO-DC50": ("2.0.1", "quick-dc-50kw")}
        async with asyncio.timeout(60):
            for prefix, (version, profile) in runs.items():
                summaries = await run_station(
                    url,
                    f"{prefix}-00000",
                    version,
                    profile,
                    sessions=1,
                    duration_s=900,
                    sample_interval_s=300,
                    speed=0,
                    id_tags=["0123456789ABCDEF"],
                )
                assert summaries[0].authorization == "Accepted"  # a demo card
        listing = subprocess.run(
            [sys.executable, "-m", "csms", "station", "list"],
            env=_env(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert {"DEMO-AC-00000", "DEMO-DC50-00000"} <= {
            s["station_id"] for s in json.loads(listing.stdout)
        }
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{started['api_port']}") as api:
            assert (await api.get("/api/sessions")).status_code == 401
            answer = await api.get("/api/sessions", headers={"Authorization": f"Bearer {key}"})
            sessions = answer.json()["sessions"]
        priced = {(s["ocpp_version"], s["energy_wh"], s["total"]) for s in sessions}
        # 15 min: AC 6 kW -> 1500 Wh, 132 yen (emp-normal block); DC 50 kW -> 12500 Wh,
        # 275 + 55 x 10 = 825 yen (emp-quick-50kw)
        assert priced == {("1.6", "1500", "132"), ("2.0.1", "12500", "825")}
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await _read_until(server.stdout, "ocpp_server_stopped")
            assert await server.wait() == 0
        assert not (data_dir / "pgdata" / "postmaster.pid").exists()  # postgres stopped too
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


async def test_serve_without_demo_refuses_unknown_stations_and_keeps_no_row() -> None:
    """Production defaults with the embedded database: no development mode, so an unknown
    station id is refused at the handshake (404) and leaves no station row."""
    root = Path(tempfile.mkdtemp(prefix="csms-prod-"))
    os.chmod(root, 0o755)
    data_dir = root / "data"
    ports = ["--port", "0", "--api-port", "0", "--public-port", "0"]
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "csms", "serve", *ports,
        env=_env(data_dir), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert server.stdout is not None
    try:
        async with asyncio.timeout(60):
            started = await _read_until(server.stdout, "central_system_started")
        assert started["database"] == "embedded"
        assert started["development_mode"] is False
        url = f"ws://127.0.0.1:{started['ocpp_port']}/ocpp/UNKNOWN-STATION-1"
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(url, subprotocols=[Subprotocol("ocpp1.6")])
        assert refused.value.response.status_code == 404
        listing = subprocess.run(
            [sys.executable, "-m", "csms", "station", "list"],
            env=_env(data_dir), capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert json.loads(listing.stdout) == []
    finally:
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await server.wait()


async def test_shutdown_finishes_the_message_in_progress(
    migrated_dsn: str, db: asyncpg.Connection
) -> None:
    """On shutdown the station still gets the answer to the Call being handled."""
    from simulators.station import PROFILES, SimClock, SimulatedStation
    from tests.conftest import unique

    system = CentralSystem(make_settings(migrated_dsn, shutdown_grace_s=5))
    await system.__aenter__()
    station = SimulatedStation(unique("BYE"), "1.6", PROFILES["normal-ac-6kw"], SimClock(speed=0))
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    try:
        await station.status(1, "Available")
        async with db.transaction():
            await db.execute(
                "SELECT 1 FROM connectors WHERE station_id = $1 FOR UPDATE", station.station_id
            )
            in_flight = asyncio.create_task(station.status(1, "Preparing"))
            await wait_for_lock_waiter(db)
            stopping = asyncio.create_task(system.__aexit__(None, None, None))
            await asyncio.sleep(0.2)
            assert not stopping.done()  # waiting for the handler, not cutting it off
        async with asyncio.timeout(10):
            assert await in_flight == {}  # the StatusNotification.conf arrived
            await stopping
    finally:
        await station.close()
    assert (
        await db.fetchval(
            "SELECT status FROM connectors WHERE station_id = $1 AND evse_id = 1",
            station.station_id,
        )
        == "Preparing"
    )


@pytest.mark.parametrize("argv", [["station", "add", "CP/1"], ["token", "add", ""]])
def test_cli_refuses_bad_input_with_a_message(argv: list[str], migrated_dsn: str) -> None:
    """Bad CLI input exits non-zero with a one-line reason, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    env["CSMS_DATABASE_URL"] = migrated_dsn
    done = subprocess.run(
        [sys.executable, "-m", "csms", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("csms: ")
    assert "Traceback" not in done.stderr
