"""Finished sessions get exactly one stored statement, priced by the assigned tariff."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from csms.authorization.models import TokenStatus
from csms.bootstrap import CentralSystem
from simulators.scenario import run_session
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

MEMBER_CARD = "BILLINGMEMBER01"

FEB_10 = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)  # 10:00 JST, 別表2 third period
APR_2 = datetime(2025, 4, 2, 1, 0, tzinfo=UTC)  # after the last 別表2 period

# name -> (profile, version, assignment, expected lines, total, tax);
# a line is [kind, quantity, unit, unit_price, amount]
CASES: dict[str, tuple[str, str, dict[str, Any], list[list[str]], str, str]] = {
    "smart-oasis-tokigawa": (
        "normal-ac-6kw",
        "1.6",
        {
            "current": "AC",
            "max_power_kw": "6",
            "site": "tokigawa-town-hall-2",
            "connectors": {
                "1": {"tariff": "smart-oasis-tokigawa"},
                "2": {"tariff": "smart-oasis-tokigawa"},
            },
        },
        [["flat", "1", "session", "770", "770"]],
        "770",
        "70",
    ),
    "emp-normal": (
        "normal-ac-6kw",
        "2.0.1",
        {"current": "AC", "max_power_kw": "6"},
        [["time_block", "15", "min", "132", "132"], ["time", "15", "min", "8.8", "132"]],
        "264",
        "24",
    ),
    "emp-quick-50kw": (
        "quick-dc-50kw",
        "1.6",
        {"current": "DC", "max_power_kw": "50"},
        [["time_block", "5", "min", "275", "275"], ["time", "25", "min", "55", "1375"]],
        "1650",
        "150",
    ),
    "emp-quick-90kw": (
        "quick-dc-90kw",
        "2.0.1",
        {"current": "DC", "max_power_kw": "90"},
        [["time_block", "5", "min", "385", "385"], ["time", "25", "min", "77", "1925"]],
        "2310",
        "210",
    ),
    "emp-kwh-pilot": (
        "quick-dc-50kw",
        "2.0.1",
        {"current": "DC", "max_power_kw": "50", "site": "dcm-yokodai"},
        [["energy", "25.000", "kWh", "82.5", "2062"], ["time", "30", "min", "27.5", "825"]],
        "2887",
        "262",
    ),
    "eoc-time-example": (
        "normal-ac-6kw",
        "1.6",
        {"current": "AC", "max_power_kw": "6", "tariff": "eoc-time-example"},
        [["time", "30", "min", "16.5", "495"]],
        "495",
        "45",
    ),
    "eoc-energy-example": (
        "quick-dc-50kw",
        "1.6",
        {"current": "DC", "max_power_kw": "50", "tariff": "eoc-energy-example"},
        [["energy", "25.0", "kWh", "49.5", "1237"]],
        "1237",
        "112",
    ),
}
STATIONS = {name: unique(f"BILL-{name}") for name in CASES}
TOTAL_COST_STATION = unique("BILL-total-cost")


@pytest.fixture(scope="module")
def assignments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shipped = json.loads((Path("config/tariffs/assignments.json")).read_text(encoding="utf-8"))
    shipped["stations"].update({STATIONS[name]: case[2] for name, case in CASES.items()})
    shipped["stations"][TOTAL_COST_STATION] = {"current": "DC", "max_power_kw": "90"}
    path = tmp_path_factory.mktemp("tariffs") / "assignments.json"
    path.write_text(json.dumps(shipped, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
async def billing_system(migrated_dsn: str, assignments: Path) -> AsyncIterator[CentralSystem]:
    async with CentralSystem(make_settings(migrated_dsn, tariff_assignments=assignments)) as cs:
        assert cs.admin is not None
        # a member's card: sessions started with a card we refuse are held for review
        await cs.admin.set_token(MEMBER_CARD, TokenStatus.ACCEPTED)
        yield cs


async def _run(
    system: CentralSystem, station_id: str, profile: str, version: str, start: datetime
) -> SimulatedStation:
    station = SimulatedStation(station_id, version, PROFILES[profile], SimClock(start, speed=0))
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    await station.boot()
    await run_session(
        station, connector=1, id_tag=MEMBER_CARD, duration_s=1800, sample_interval_s=600
    )
    return station


async def _statements(db: asyncpg.Connection, station_id: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT st.* FROM statements st JOIN sessions s USING (session_id) WHERE s.station_id = $1",
        station_id,
    )


@pytest.mark.parametrize("tariff_id", list(CASES))
async def test_each_shipped_tariff_prices_a_simulated_session(
    tariff_id: str,
    billing_system: CentralSystem,
    db: asyncpg.Connection,
    api: httpx.AsyncClient,
) -> None:
    """A 30-minute session on a station assigned the tariff stores the expected statement."""
    profile, version, _, lines, total, tax = CASES[tariff_id]
    station = await _run(billing_system, STATIONS[tariff_id], profile, version, FEB_10)
    await station.close()
    rows = await _statements(db, station.station_id)
    assert len(rows) == 1
    statement = rows[0]
    assert statement["status"] == "issued"
    assert statement["tariff_id"] == tariff_id
    assert [
        [line[k] for k in ("kind", "quantity", "unit", "unit_price", "amount")]
        for line in statement["lines"]
    ] == lines
    assert statement["total"] == Decimal(total)
    assert statement["tax_included"] == Decimal(tax)
    inputs = statement["inputs"]
    assert inputs["energy_source"] == "charger_register"
    assert datetime.fromisoformat(inputs["started_at"]) == FEB_10


async def test_replayed_stop_issues_no_second_statement_and_api_shows_it(
    billing_system: CentralSystem,
    db: asyncpg.Connection,
) -> None:
    """Replaying the stop changes nothing; the API serves the statement and the total."""
    station_id = STATIONS["emp-quick-50kw"] + "-replay"
    station = SimulatedStation(
        station_id, "1.6", PROFILES["quick-dc-50kw"], SimClock(FEB_10, speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{billing_system.ocpp_port}/ocpp")
    tx = await station.start_transaction(1, MEMBER_CARD)
    await station.charge(tx, 600)
    action, stop = station.stop_message(tx)
    await station.client.call(action, stop)
    await station.client.call(action, stop)
    await station.close()
    assert len(await _statements(db, station_id)) == 1
    session_id = await db.fetchval(
        "SELECT session_id FROM sessions WHERE station_id = $1", station_id
    )
    async with api_client(billing_system) as api:
        body = (await api.get(f"/api/sessions/{session_id}/statement")).json()
        listed = (await api.get("/api/sessions", params={"station_id": station_id})).json()
    assert body["status"] == "unpriced"  # this station id has no assignment
    assert "no tariff assignment" in body["unpriced_reason"]
    assert body["history"] == []
    assert listed["sessions"][0]["statement_status"] == "unpriced"


async def test_sessions_that_cannot_be_priced_are_stored_unpriced_and_counted(
    billing_system: CentralSystem,
    db: asyncpg.Connection,
    api: httpx.AsyncClient,
) -> None:
    """After the last 別表2 period: unpriced with the reason, never priced at zero."""
    station = await _run(billing_system, STATIONS["emp-kwh-pilot"], "quick-dc-50kw", "1.6", APR_2)
    await station.close()
    late = [r for r in await _statements(db, station.station_id) if r["status"] == "unpriced"]
    assert len(late) == 1
    assert "no version in force on 2025-04-02" in late[0]["unpriced_reason"]
    assert late[0]["total"] is None
    metrics = (await api.get("/metrics")).text
    assert 'csms_sessions_unpriced_total{reason="no_version_in_force"}' in metrics


async def test_statements_are_immutable(db: asyncpg.Connection) -> None:
    """An UPDATE or DELETE of a statement is refused by the database."""
    statement_id = await db.fetchval("SELECT statement_id FROM statements LIMIT 1")
    assert statement_id is not None
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await db.execute("UPDATE statements SET total = 0 WHERE statement_id = $1", statement_id)
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await db.execute("DELETE FROM statements WHERE statement_id = $1", statement_id)


async def test_a_correction_is_a_new_statement_that_refers_to_the_old(
    billing_system: CentralSystem,
    db: asyncpg.Connection,
) -> None:
    """POST a correction: a new statement refers to the original, which stays untouched."""
    station = await _run(
        billing_system, STATIONS["emp-normal"] + "-fix", "normal-ac-6kw", "1.6", FEB_10
    )
    await station.close()
    session_id = await db.fetchval(
        "SELECT session_id FROM sessions WHERE station_id = $1", station.station_id
    )
    async with api_client(billing_system) as api:
        original = (await api.get(f"/api/sessions/{session_id}/statement")).json()
        created = await api.post(
            f"/api/sessions/{session_id}/statement/corrections",
            json={"reason": "station assignment was missing"},
        )
        assert created.status_code == 201, created.text
        current = (await api.get(f"/api/sessions/{session_id}/statement")).json()
        again = await api.post(
            f"/api/sessions/{session_id}/statement/corrections", json={"reason": ""}
        )
        missing = await api.post(
            "/api/sessions/00000000-0000-0000-0000-000000000000/statement/corrections",
            json={"reason": "x"},
        )
        bad = await api.post(f"/api/sessions/{session_id}/statement/corrections", json=[])
    assert original["status"] == "unpriced"
    assert current["corrects"] == original["statement_id"]
    assert current["correction_reason"] == "station assignment was missing"
    assert [h["statement_id"] for h in current["history"]] == [original["statement_id"]]
    assert (again.status_code, missing.status_code, bad.status_code) == (400, 404, 400)
    rows = await db.fetch(
        "SELECT status FROM statements WHERE session_id = $1 ORDER BY issued_at", session_id
    )
    assert [r["status"] for r in rows] == ["unpriced", "unpriced"]


async def test_v201_ended_is_answered_with_the_total_cost(billing_system: CentralSystem) -> None:
    """2.0.1: the Ended event's answer carries totalCost (yen, tax included), also on replay."""
    station = SimulatedStation(
        TOTAL_COST_STATION, "2.0.1", PROFILES["quick-dc-90kw"], SimClock(FEB_10, speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{billing_system.ocpp_port}/ocpp")
    tx = await station.start_transaction(1, MEMBER_CARD)
    await station.charge(tx, 1800)
    action, ended = station.stop_message(tx)
    first = await station.client.call(action, ended)
    again = await station.client.call(action, ended)
    await station.close()
    assert first["totalCost"] == 2310  # 385 + 77 x 25 (emp-quick-90kw), a JSON integer
    assert again["totalCost"] == 2310
