"""Stuck sessions (docs/reliability.md): an operator closes one, stale ones are listed and
counted, a station that boots again without its transaction gets it ended as interrupted.
Real server, real sockets, an injected FixedClock; assertions on the stored rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import httpx
import pytest

from csms.access.models import Role
from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from csms.observability import REGISTRY
from csms.storage.read_model import PostgresReadModel
from csms.workers.stale_sessions import refresh_stale_sessions
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

T0 = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)


@dataclass
class Site:
    system: CentralSystem
    clock: FixedClock
    api: httpx.AsyncClient  # an admin
    operator: str
    stations: list[SimulatedStation]

    def reads(self) -> PostgresReadModel:
        assert self.system.database is not None
        return PostgresReadModel(self.system.database.pool)

    async def station(self, version: str) -> SimulatedStation:
        station = SimulatedStation(
            unique("STK"), version, PROFILES["quick-dc-50kw"], SimClock(T0, speed=0)
        )
        await station.connect(f"ws://127.0.0.1:{self.system.ocpp_port}/ocpp")
        self.stations.append(station)
        await station.boot()
        response = await self.api.put(
            f"/api/stations/{station.station_id}/operator", json={"operator_id": self.operator}
        )
        assert response.status_code == 200, response.text
        return station


@pytest.fixture
async def site(migrated_dsn: str) -> AsyncIterator[Site]:
    clock = FixedClock(datetime.now(UTC))
    settings = make_settings(migrated_dsn, interrupted_grace_s=0)
    async with CentralSystem(settings, clock=clock) as system, api_client(system) as api:
        operator = unique("OP")
        body = {"operator_id": operator, "name": "Stuck CPO"}
        assert (await api.post("/api/operators", json=body)).status_code == 201
        site = Site(system, clock, api, operator, [])
        yield site
        for station in site.stations:
            await station.close()


async def session_row(db: asyncpg.Connection, station_id: str, tx: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT * FROM sessions WHERE station_id = $1 AND transaction_id = $2", station_id, tx
    )
    assert row is not None
    return row


async def test_an_operator_closes_a_stuck_session(site: Site, db: asyncpg.Connection) -> None:
    """Ended at its last reading, priced as measured, the statement says who and why; a
    second close is 409, another operator's key 404, and the call is audited."""
    station = await site.station("1.6")
    tx = await station.start_transaction(1, "STUCKCARD1")
    await station.charge(tx, 1800)
    await station.meter_values(tx)  # its last reading; then the charger vanishes
    await station.close()
    row = await session_row(db, station.station_id, tx.transaction_id)
    path = f"/api/sessions/{row['session_id']}/close"
    other = unique("OTHER")
    body = {"operator_id": other, "name": "Another CPO"}
    assert (await site.api.post("/api/operators", json=body)).status_code == 201
    async with api_client(site.system, Role.OPERATOR, other) as stranger:
        assert (await stranger.post(path, json={"reason": "x"})).status_code == 404
    assert (await site.api.post(path, json={})).status_code == 400  # a reason is required
    async with api_client(site.system, Role.OPERATOR, site.operator) as operator:
        closed = await operator.post(path, json={"reason": "charger lost power, site visit"})
        assert closed.status_code == 201, closed.text
        assert (await operator.post(path, json={"reason": "again"})).status_code == 409
    done = await session_row(db, station.station_id, tx.transaction_id)
    assert (done["state"], done["stop_reason"]) == ("completed", "closed_by_operator")
    assert done["energy_wh"] == Decimal(50_000 * 1800 // 3600)
    last = await db.fetchval(
        "SELECT max(sampled_at) FROM meter_samples WHERE session_id = $1", row["session_id"]
    )
    assert done["stopped_at"] == last
    [statement] = await db.fetch(
        "SELECT * FROM statements WHERE session_id = $1", row["session_id"]
    )
    note = statement["inputs"]["closed_by_operator"]
    assert note["reason"] == "charger lost power, site visit"
    assert note["by"].startswith("test-operator")
    assert statement["inputs"]["energy_wh"] == "25000"
    assert closed.json()["inputs"]["closed_by_operator"] == note
    assert done["ending"] == {"kind": "closed_by_operator", **note}
    entries = (await site.api.get("/api/audit?limit=1000")).json()["entries"]
    audited = [e for e in entries if e["action"] == f"POST {path}"]
    assert sorted(e["outcome"] for e in audited) == ["201", "400", "404", "409"]


async def test_stale_sessions_are_listed_and_counted(site: Site, db: asyncpg.Connection) -> None:
    station = await site.station("2.0.1")
    tx = await station.start_transaction(1, "STALECARD1")
    row = await session_row(db, station.station_id, tx.transaction_id)
    query = f"/api/sessions?state=active&stale_after_s=3600&station_id={station.station_id}"
    assert (await site.api.get(query)).json()["sessions"] == []
    before = await refresh_stale_sessions(site.reads(), site.clock, 3600)  # others' too
    site.clock.advance(2 * 3600)  # two hours without a word from the station
    listed = (await site.api.get(query)).json()["sessions"]
    assert [s["session_id"] for s in listed] == [str(row["session_id"])]
    counted = await refresh_stale_sessions(site.reads(), site.clock, 3600)
    assert counted >= before + 1
    assert REGISTRY.get_sample_value("csms_stale_sessions") == counted
    await station.meter_values(tx)  # heard of again ... as of now (the database's time)
    site.clock.advance(-2 * 3600 + 60)
    assert (await site.api.get(query)).json()["sessions"] == []
    bad = await site.api.get("/api/sessions?state=completed&stale_after_s=60")
    assert bad.status_code == 400


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_session_a_rebooted_station_forgot_is_ended_as_interrupted(
    version: str, site: Site, db: asyncpg.Connection
) -> None:
    """Boot again, then nothing of the transaction: at the next Heartbeat (grace 0 here) it
    is ended at its last reading and held for review as interrupted."""
    station = await site.station(version)
    tx = await station.start_transaction(1, "REBOOTCARD")
    await station.charge(tx, 600)
    await station.meter_values(tx)
    await station.boot()  # the station restarted and has no transaction in progress
    row = await session_row(db, station.station_id, tx.transaction_id)
    assert row["state"] == "active"  # not at the boot: a queued stop may still come
    await station.heartbeat()
    done = await session_row(db, station.station_id, tx.transaction_id)
    assert (done["state"], done["stop_reason"]) == ("completed", "interrupted")
    assert done["energy_wh"] == Decimal(50_000 * 600 // 3600)
    [statement] = await db.fetch(
        "SELECT * FROM statements WHERE session_id = $1", done["session_id"]
    )
    assert statement["status"] == "needs_review"
    assert statement["inputs"]["review_reason"] in ("interrupted", "authorization_refused")
    assert statement["inputs"]["interrupted"] == {"grace_s": 0.0}


async def test_a_session_the_rebooted_station_reports_stays_open(
    site: Site, db: asyncpg.Connection
) -> None:
    """2.0.1: after the boot the station reports the ongoing transaction; it stays open and
    its real Ended completes it. A Triggered boot marks nothing."""
    station = await site.station("2.0.1")
    tx = await station.start_transaction(1, "GOONCARD")
    await station.boot()
    await station.meter_values(tx)  # TransactionEvent Updated: still charging
    await station.heartbeat()
    assert (await session_row(db, station.station_id, tx.transaction_id))["state"] == "active"
    triggered = {
        "chargingStation": {"vendorName": "V", "model": "M"},
        "reason": "Triggered",
    }
    assert station.client is not None
    await station.client.call("BootNotification", triggered)
    await station.heartbeat()
    assert (await session_row(db, station.station_id, tx.transaction_id))["state"] == "active"
    await station.stop_transaction(tx)
    done = await session_row(db, station.station_id, tx.transaction_id)
    assert done["state"] == "completed"
    assert done["stop_reason"] != "interrupted"
    assert done["ending"] is None


async def test_a_late_stop_replaces_the_interruption(site: Site, db: asyncpg.Connection) -> None:
    """1.6: the station's queued StopTransaction arrives after the session was ended as
    interrupted: its real values replace the assumed ones and a correction statement
    replaces the held one (both kept); the same stop again changes nothing."""
    station = await site.station("1.6")
    tx = await station.start_transaction(1, "LATESTOP1")
    await station.charge(tx, 600)
    await station.meter_values(tx)
    await station.boot()
    await station.heartbeat()
    interrupted = await session_row(db, station.station_id, tx.transaction_id)
    assert interrupted["stop_reason"] == "interrupted"
    await station.charge(tx, 600)  # it went on charging: the stop says so
    await station.stop_transaction(tx)
    done = await session_row(db, station.station_id, tx.transaction_id)
    assert (done["stop_reason"], done["ending"]) == ("Local", None)
    assert done["energy_wh"] == Decimal(50_000 * 1200 // 3600)
    statements = await db.fetch(
        "SELECT * FROM statements WHERE session_id = $1 ORDER BY issued_at", done["session_id"]
    )
    assert len(statements) == 2
    assert statements[1]["corrects"] == statements[0]["statement_id"]
    assert "interrupted" in statements[1]["correction_reason"]
    assert statements[1]["inputs"]["energy_wh"] == str(done["energy_wh"])
    assert "interrupted" not in statements[1]["inputs"]
    await station.stop_transaction(tx)  # a retried stop
    assert dict(await session_row(db, station.station_id, tx.transaction_id)) == dict(done)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM statements WHERE session_id = $1", done["session_id"]
        )
        == 2
    )
