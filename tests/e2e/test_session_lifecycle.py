"""A whole session over real sockets, real server, real PostgreSQL, for both versions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import asyncpg
import httpx
import pytest

from simulators.scenario import run_session
from simulators.station import SimClock
from tests.conftest import unique

VERSIONS = ["1.6", "2.0.1"]
START = datetime(2025, 1, 31, 15, 0, tzinfo=UTC)  # 2025-02-01 00:00 JST


async def add_token(db: asyncpg.Connection, status: str = "Accepted") -> str:
    token = unique("TAG").upper().replace("-", "")[:16]
    await db.execute("INSERT INTO id_tokens (id_token, status) VALUES ($1, $2)", token, status)
    return token


@pytest.mark.parametrize("version", VERSIONS)
async def test_full_session_is_stored_with_station_times_energy_and_samples(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    """Boot -> Authorize -> Start -> MeterValues -> Stop gives one completed session row."""
    token = await add_token(db)
    station = await connect_station(version, "quick-dc-50kw")
    station.clock = SimClock(start=START, speed=0)
    station.registers_wh[1] = Fraction(1000)
    async with asyncio.timeout(20):
        summary = await run_session(
            station, connector=1, id_tag=token.lower(), duration_s=1800, sample_interval_s=300
        )
    assert summary.authorization == "Accepted"  # 1.6 idTag matching is case-insensitive
    row = await db.fetchrow("SELECT * FROM sessions WHERE station_id = $1", station.station_id)
    assert row["state"] == "completed"
    assert row["started_at"] == START
    assert (row["stopped_at"] - row["started_at"]).total_seconds() == 1800
    assert row["meter_start_wh"] == Decimal(1000)
    assert row["energy_wh"] == Decimal(25000)  # 50 kW for 30 min
    assert row["meter_stop_wh"] == Decimal(26000)
    assert row["stop_reason"] == "Local"
    assert row["id_token"] == token.lower()  # kept as the station sent it
    assert row["authorization_status"] == "Accepted"
    assert row["ocpp_version"] == version
    samples = await db.fetch(
        "SELECT value, context FROM meter_samples WHERE session_id = $1 ORDER BY sampled_at",
        row["session_id"],
    )
    periodic = [s["value"] for s in samples if s["context"] == "Sample.Periodic"]
    assert periodic == [Decimal(1000 + 50_000 * 300 * i // 3600) for i in range(1, 7)]
    assert samples[-1]["value"] == Decimal(26000)


@pytest.mark.parametrize("version", VERSIONS)
async def test_station_and_connector_state_are_kept(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    """Boot fills vendor, model and firmware; status notifications set live connector status."""
    station = await connect_station(version, "normal-ac-6kw")
    await station.status(2, "Available")
    await station.status(1, "Faulted")
    row = await db.fetchrow("SELECT * FROM stations WHERE station_id = $1", station.station_id)
    assert (row["vendor"], row["model"], row["firmware_version"]) == (
        "SimVendor",
        "Normal AC 6kW",
        "sim-1.0",
    )
    assert row["connected"] is True
    assert row["ocpp_version"] == version
    statuses = {
        r["evse_id"]: r["status"]
        for r in await db.fetch(
            "SELECT evse_id, status FROM connectors WHERE station_id = $1", station.station_id
        )
    }
    assert statuses == {1: "Faulted", 2: "Available"}
    await station.close()
    async with asyncio.timeout(5):
        while await db.fetchval(
            "SELECT connected FROM stations WHERE station_id = $1", station.station_id
        ):
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("version", VERSIONS)
async def test_unknown_and_blocked_cards_get_their_status(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    """Unknown cards are Invalid, blocked ones Blocked, expired ones Expired."""
    station = await connect_station(version)
    blocked = await add_token(db, "Blocked")
    expired = await add_token(db)
    await db.execute(
        "UPDATE id_tokens SET expires_at = now() - interval '1 day' WHERE id_token = $1", expired
    )
    assert await station.authorize("0000000000000000") == "Invalid"
    assert await station.authorize(blocked) == "Blocked"
    assert await station.authorize(expired) == "Expired"


@pytest.mark.parametrize("version", VERSIONS)
async def test_api_shows_stations_sessions_and_samples(
    version: str, connect_station: Any, api: httpx.AsyncClient
) -> None:
    """The read-only API lists the station, its connectors and the session with samples."""
    station = await connect_station(version)
    await station.status(1, "Available")
    summary = await run_session(station, duration_s=600, sample_interval_s=300)
    detail = (await api.get(f"/api/stations/{station.station_id}")).json()
    assert detail["connected"] is True
    assert detail["connectors"][0]["status"] == "Available"
    listed = (
        await api.get(
            "/api/sessions", params={"station_id": station.station_id, "state": "completed"}
        )
    ).json()["sessions"]
    assert len(listed) == 1
    assert listed[0]["energy_wh"] == str(summary.energy_wh)  # exact, a string, never a float
    one = (await api.get(f"/api/sessions/{listed[0]['session_id']}")).json()
    assert one["transaction_id"] == summary.transaction_id
    assert len(one["samples"]) >= 3
    all_stations = (await api.get("/api/stations")).json()["stations"]
    assert station.station_id in {s["station_id"] for s in all_stations}


async def test_api_rejects_bad_input_with_a_message(api: httpx.AsyncClient) -> None:
    """Bad query or path input is a 4xx with a message, never a 500."""
    assert (await api.get("/api/sessions/not-a-uuid")).status_code == 400
    assert (await api.get("/api/sessions", params={"state": "open"})).status_code == 400
    assert (await api.get("/api/sessions", params={"limit": "0"})).status_code == 400
    missing = await api.get("/api/sessions/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert "error" in missing.json()
    assert (await api.get("/api/stations/nope")).status_code == 404
    assert (await api.get("/healthz")).json() == {"status": "ok", "database": True}
