"""Group commit over real sockets: starts, updates, statuses and heartbeats
(storage/group_commit.py).

The rows are what matters; the writers' batch-size histogram shows that each message took
the batched path (a silent fall-back to the per-message path would still store the rows).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import asyncpg

from csms.bootstrap.central_system import CentralSystem
from csms.observability import REGISTRY
from simulators.scenario import run_session
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import make_settings

START = datetime(2025, 1, 31, 15, 0, tzinfo=UTC)


def batched(writer: str) -> float:
    """How many messages the writer was handed so far, and how many it left to the full
    path: a message it stored counts in the first and not in the second."""
    items = REGISTRY.get_sample_value("csms_group_commit_items_sum", {"writer": writer}) or 0.0
    left = REGISTRY.get_sample_value("csms_group_commit_skipped_total", {"writer": writer})
    return items - (left or 0.0)


async def test_a_201_session_updates_are_group_committed_and_complete(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """Six periodic updates go through the batch; the event log, the session's last seqNo,
    the samples and the priced end are as on the per-message path."""
    before = batched("transaction_updates")
    starts_before, ends_before = batched("transaction_starts"), batched("transaction_ends")
    station = await connect_station("2.0.1", "quick-dc-50kw")
    station.clock = SimClock(start=START, speed=0)
    station.registers_wh[1] = Fraction(1000)
    token = unique("TAG").upper().replace("-", "")[:16]
    await db.execute("INSERT INTO id_tokens (id_token, status) VALUES ($1, 'Accepted')", token)
    async with asyncio.timeout(20):
        await run_session(
            station, connector=1, id_tag=token, duration_s=1800, sample_interval_s=300
        )
    assert batched("transaction_updates") - before >= 6
    assert batched("transaction_starts") - starts_before == 1
    assert batched("transaction_ends") - ends_before == 1
    row = await db.fetchrow("SELECT * FROM sessions WHERE station_id = $1", station.station_id)
    events = await db.fetch(
        "SELECT seq_no, event_type FROM transaction_events WHERE station_id = $1 ORDER BY seq_no",
        station.station_id,
    )
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == "Started"
    assert kinds[-1] == "Ended"
    assert kinds.count("Updated") >= 6
    seq_nos = [e["seq_no"] for e in events]
    assert seq_nos == list(range(seq_nos[0], seq_nos[0] + len(seq_nos)))
    assert row["last_seq_no"] == seq_nos[-1]
    assert row["energy_wh"] == 25000
    statement = await db.fetchrow(
        "SELECT status, total, lines FROM statements WHERE session_id = $1", row["session_id"]
    )
    assert (statement["status"], statement["total"]) == ("unpriced", None)  # no tariff here
    linked = await db.fetchval(
        "SELECT count(*) FROM meter_samples WHERE session_id = $1 AND context = 'Sample.Periodic'",
        row["session_id"],
    )
    assert linked == 6
    assert (
        await db.fetchval(
            "SELECT count(*) FROM seq_no_gaps WHERE station_id = $1", row["station_id"]
        )
        == 0
    )


async def test_a_16_session_is_group_committed_with_its_issued_id_statement_and_events(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """The start's batch issues the transaction id from the same sequence; the stop's batch
    completes the session with its statement; the outbox's events carry the ids the station
    was answered with, in the order a unit of work writes them."""
    starts, ends = batched("transaction_starts"), batched("transaction_ends")
    station = await connect_station("1.6")
    station.clock = SimClock(start=START, speed=0)
    tx = await station.start_transaction(1, "GCSTART16")
    await station.charge(tx, 600)
    answer = await station.stop_transaction(tx)
    assert (batched("transaction_starts") - starts, batched("transaction_ends") - ends) == (1, 1)
    row = await db.fetchrow("SELECT * FROM sessions WHERE station_id = $1", station.station_id)
    assert row["transaction_id"] == str(tx.transaction_id)
    assert (row["state"], row["authorization_status"]) == ("completed", "Invalid")
    assert row["energy_wh"] == row["meter_stop_wh"] - row["meter_start_wh"] > 0
    assert answer["idTagInfo"]["status"] == "Invalid"
    statement = await db.fetchrow(
        "SELECT status, inputs FROM statements WHERE session_id = $1", row["session_id"]
    )
    assert statement["status"] == "needs_review"  # an unknown card is held, never billed
    assert statement["inputs"]["review_reason"] == "authorization_refused"
    events = await db.fetch(
        "SELECT kind, payload FROM outbox_events WHERE station_id = $1 AND kind <> 'station_booted'"
        " ORDER BY event_id",
        station.station_id,
    )
    assert [e["kind"] for e in events] == ["session_started", "session_ended", "statement_issued"]
    assert {e["payload"]["transaction_id"] for e in events[:2]} == {str(tx.transaction_id)}
    assert {e["payload"]["session_id"] for e in events} == {str(row["session_id"])}


async def test_statuses_are_group_committed_and_heartbeats_flushed(
    migrated_dsn: str, db: asyncpg.Connection
) -> None:
    """StatusNotifications are stored before their answer; a heartbeat's time reaches the
    station row at the next presence flush, not per message."""
    settings = make_settings(migrated_dsn, presence_flush_s=0.2)
    async with CentralSystem(settings) as system:
        station = SimulatedStation(
            unique("HB"), "1.6", PROFILES["normal-ac-6kw"], SimClock(speed=0)
        )
        await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
        try:
            await station.boot()
            before = batched("status_notifications")
            await station.status(1, "Charging")
            assert batched("status_notifications") - before == 1
            status = await db.fetchval(
                "SELECT status FROM connectors WHERE station_id = $1", station.station_id
            )
            assert status == "Charging"
            booted_seen = await db.fetchval(
                "SELECT last_seen_at FROM stations WHERE station_id = $1", station.station_id
            )
            await asyncio.sleep(0.01)
            await station.heartbeat()
            async with asyncio.timeout(5):
                while True:
                    seen = await db.fetchval(
                        "SELECT last_seen_at FROM stations WHERE station_id = $1",
                        station.station_id,
                    )
                    if seen > booted_seen:
                        break
                    await asyncio.sleep(0.05)
        finally:
            await station.close()
