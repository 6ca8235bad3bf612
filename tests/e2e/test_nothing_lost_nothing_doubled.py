"""Retried and replayed messages are idempotent; nothing a station reports is dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ocpp.v16 import call as call16

from simulators.station import SimClock, iso
from tests.conftest import unique

PAST = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


async def session_rows(db: asyncpg.Connection, station_id: str) -> list[asyncpg.Record]:
    return await db.fetch("SELECT * FROM sessions WHERE station_id = $1", station_id)


async def sample_count(db: asyncpg.Connection, station_id: str) -> int:
    return int(
        await db.fetchval("SELECT count(*) FROM meter_samples WHERE station_id = $1", station_id)
    )


async def test_retried_start_transaction_gets_the_same_transaction_id(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """Same station, connector, idTag, timestamp and meterStart: same id, one session."""
    station = await connect_station("1.6")
    message = call16.StartTransaction(
        connector_id=1, id_tag="ABCD", meter_start=120, timestamp=iso(PAST)
    )
    first = await station.client.call("StartTransaction", message)
    second = await station.client.call("StartTransaction", message)
    assert first["transactionId"] == second["transactionId"]
    assert len(await session_rows(db, station.station_id)) == 1
    later = call16.StartTransaction(
        connector_id=1, id_tag="ABCD", meter_start=120, timestamp=iso(PAST + timedelta(minutes=5))
    )
    third = await station.client.call("StartTransaction", later)
    assert third["transactionId"] != first["transactionId"]  # a new attempt is a new session


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_retried_stop_changes_nothing(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    """A replayed StopTransaction / TransactionEvent Ended adds no session, sample or change."""
    station = await connect_station(version)
    station.clock = SimClock(start=PAST, speed=0)
    tx = await station.start_transaction(1, "CARD1")
    await station.charge(tx, 600)
    action, stop = station.stop_message(tx)
    await station.client.call(action, stop)
    before = await session_rows(db, station.station_id)
    samples_before = await sample_count(db, station.station_id)
    answer = await station.client.call(action, stop)  # the offline queue sends it again
    assert answer is not None
    after = await session_rows(db, station.station_id)
    assert len(after) == 1
    assert dict(after[0]) == dict(before[0])
    assert await sample_count(db, station.station_id) == samples_before
    assert after[0]["state"] == "completed"
    assert after[0]["energy_wh"] == Decimal(50_000 * 600 // 3600)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_meter_values_after_the_end_are_kept_but_do_not_reopen(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    """Late meter values are stored against the session, which stays completed."""
    station = await connect_station(version)
    station.clock = SimClock(start=PAST, speed=0)
    tx = await station.start_transaction(1, "CARD2")
    await station.charge(tx, 300)
    await station.stop_transaction(tx)
    await station.charge(tx, 60)
    samples_before = await sample_count(db, station.station_id)
    await station.meter_values(tx)  # 1.6 MeterValues / 2.0.1 TransactionEvent Updated
    row = (await session_rows(db, station.station_id))[0]
    assert row["state"] == "completed"
    assert row["stopped_at"] == PAST + timedelta(seconds=300)
    assert await sample_count(db, station.station_id) == samples_before + 1
    linked = await db.fetchval(
        "SELECT count(*) FROM meter_samples WHERE session_id = $1", row["session_id"]
    )
    assert linked == samples_before + 1


async def test_stop_for_unknown_transaction_is_answered_and_kept_v16(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """1.6: a StopTransaction we never saw start is answered and kept for reconciliation."""
    station = await connect_station("1.6")
    answer = await station.client.call(
        "StopTransaction",
        call16.StopTransaction(
            meter_stop=5000,
            timestamp=iso(PAST),
            transaction_id=987654,
            reason="EVDisconnected",
            id_tag="CARD3",
        ),
    )
    assert answer["idTagInfo"]["status"] == "Invalid"
    kept = await db.fetchrow(
        "SELECT * FROM unmatched_stops WHERE station_id = $1", station.station_id
    )
    assert kept["transaction_id"] == "987654"
    assert kept["meter_stop_wh"] == Decimal(5000)
    assert kept["reason"] == "EVDisconnected"
    assert kept["stopped_at"] == PAST
    assert await session_rows(db, station.station_id) == []


async def test_ended_event_for_unknown_transaction_is_kept_v201(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """2.0.1: an Ended event for a transaction we never saw creates the session from what it
    carries and completes it (docs/reliability.md); its meter value is not lost."""
    from simulators.station import Transaction

    station = await connect_station("2.0.1")
    station.clock = SimClock(start=PAST, speed=0)
    tx = Transaction(
        connector=1, id_tag="CARD4", meter_start_wh=0, transaction_id=unique("tx"), seq_no=5
    )
    await station.stop_transaction(tx, reason="EVDisconnected")
    [row] = await session_rows(db, station.station_id)
    assert (row["transaction_id"], row["state"]) == (tx.transaction_id, "completed")
    assert (row["stop_reason"], row["stopped_at"]) == ("EVDisconnected", PAST)
    assert row["energy_wh"] is None  # no begin register: unknown, never a billed 0
    assert await sample_count(db, station.station_id) == 1  # its meter value is not lost


async def test_seq_no_gaps_are_recorded_and_cleared_when_filled(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """2.0.1: events 0 then 3 record 1 and 2 as missing; a late 1 clears its gap."""
    station = await connect_station("2.0.1")
    tx = await station.start_transaction(1, "CARD5")  # seqNo 0
    late = station._event(tx, "Updated", "MeterValuePeriodic", "Sample.Periodic")  # seqNo 1
    tx.seq_no = 3
    await station.meter_values(tx)  # seqNo 3
    gaps = await db.fetch(
        "SELECT missing_seq_no FROM seq_no_gaps WHERE transaction_id = $1 ORDER BY 1",
        tx.transaction_id,
    )
    assert [g["missing_seq_no"] for g in gaps] == [1, 2]
    await station.client.call("TransactionEvent", late)
    gaps = await db.fetch(
        "SELECT missing_seq_no FROM seq_no_gaps WHERE transaction_id = $1", tx.transaction_id
    )
    assert [g["missing_seq_no"] for g in gaps] == [2]
    row = (await session_rows(db, station.station_id))[0]
    assert row["last_seq_no"] == 3


async def test_offline_queue_replay_keeps_the_station_times(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """Events sent late with offline=true: the session's times are the station's times."""
    station = await connect_station("2.0.1")
    station.clock = SimClock(start=PAST, speed=0)  # months ago
    tx = await station.start_transaction(1, "CARD6")
    await station.charge(tx, 900)
    action, stop = station.stop_message(tx)
    stop.offline = True
    await station.client.call(action, stop)
    row = (await session_rows(db, station.station_id))[0]
    assert row["started_at"] == PAST
    assert row["stopped_at"] == PAST + timedelta(seconds=900)
    assert row["offline"] is True
    assert row["energy_wh"] == Decimal(50_000 * 900 // 3600)
