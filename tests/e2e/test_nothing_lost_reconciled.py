"""Nothing lost, nothing stuck, over real sockets (docs/reliability.md): transaction events
told apart by content, out-of-order events reconciled, a start on a busy connector
superseding the open session, stops never refused for a descriptive field, text and integers
the database cannot take, over-deep JSON. Every test asserts on the stored rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from simulators.client import CallErrorReceived
from simulators.station import SimClock, iso
from tests.conftest import unique

T = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
REGISTER = "Energy.Active.Import.Register"


def at(minutes: float) -> str:
    return iso(T + timedelta(minutes=minutes))


def sampled(wh: int, context: str, minutes: float) -> list[dict[str, Any]]:
    value = {"value": wh, "context": context, "measurand": REGISTER}
    return [{"timestamp": at(minutes), "sampledValue": [value]}]


def event(
    kind: str, tx: str, seq_no: int, minutes: float, *, evse: int = 1, **extra: Any
) -> dict[str, Any]:
    """A 2.0.1 TransactionEvent payload (camelCase, as sent)."""
    info: dict[str, Any] = {"transactionId": tx}
    if kind == "Ended":
        info["stoppedReason"] = "EVDisconnected"
    trigger = {"Started": "Authorized", "Updated": "MeterValuePeriodic", "Ended": "EVDeparted"}
    return {
        "eventType": kind,
        "timestamp": at(minutes),
        "triggerReason": trigger[kind],
        "seqNo": seq_no,
        "transactionInfo": info,
        "evse": {"id": evse, "connectorId": 1},
        **extra,
    }


async def session_of(db: asyncpg.Connection, station_id: str, tx: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT * FROM sessions WHERE station_id = $1 AND transaction_id = $2", station_id, tx
    )
    assert row is not None
    return row


async def statements_of(db: asyncpg.Connection, session_id: object) -> list[asyncpg.Record]:
    return list(await db.fetch("SELECT * FROM statements WHERE session_id = $1", session_id))


async def test_201_an_ended_with_a_used_seq_no_still_ends_the_session(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """A station whose counter restarted sends Ended with seqNo 1 again: processed, flagged;
    the same Ended again is a replay and changes nothing."""
    station = await connect_station("2.0.1")
    tx = unique("TX")
    begin = sampled(1000, "Transaction.Begin", 0)
    await station.client.call("TransactionEvent", event("Started", tx, 0, 0, meterValue=begin))
    periodic = sampled(2000, "Sample.Periodic", 10)
    await station.client.call("TransactionEvent", event("Updated", tx, 1, 10, meterValue=periodic))
    end = sampled(4000, "Transaction.End", 30)
    ended = event("Ended", tx, 1, 30, meterValue=end)
    await station.client.call("TransactionEvent", ended)
    row = await session_of(db, station.station_id, tx)
    assert row["state"] == "completed"
    assert row["energy_wh"] == Decimal(3000)
    events = await db.fetch(
        "SELECT seq_no, event_type, seq_no_reused FROM transaction_events"
        " WHERE station_id = $1 AND transaction_id = $2 ORDER BY seq_no, seq_no_reused",
        station.station_id,
        tx,
    )
    assert [tuple(e) for e in events] == [
        (0, "Started", False),
        (1, "Updated", False),
        (1, "Ended", True),
    ]
    assert len(await statements_of(db, row["session_id"])) == 1
    await station.client.call("TransactionEvent", ended)  # a replay of the reused one
    assert dict(await session_of(db, station.station_id, tx)) == dict(row)
    assert len(await statements_of(db, row["session_id"])) == 1


async def test_201_an_ended_before_its_started_creates_and_completes_the_session(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """Ended first: the session is made from what it carries and completed; the late Started
    fills only what is missing (its EVSE was known; the start time is earlier), never reopens."""
    station = await connect_station("2.0.1")
    tx = unique("TX")
    values = [*sampled(1000, "Transaction.Begin", 0), *sampled(2500, "Transaction.End", 20)]
    ended = event("Ended", tx, 2, 20, meterValue=values)
    await station.client.call("TransactionEvent", ended)
    row = await session_of(db, station.station_id, tx)
    assert (row["state"], row["energy_wh"], row["evse_id"]) == ("completed", Decimal(1500), 1)
    started = event("Started", tx, 0, -1, idToken={"idToken": "LATE01", "type": "ISO14443"})
    await station.client.call("TransactionEvent", started)
    late = await session_of(db, station.station_id, tx)
    assert late["state"] == "completed"
    assert late["started_at"] == T - timedelta(minutes=1)
    assert late["id_token"] == "LATE01"
    assert (late["stopped_at"], late["energy_wh"]) == (row["stopped_at"], row["energy_wh"])
    assert len(await statements_of(db, row["session_id"])) == 1


async def test_201_an_updated_before_its_started_is_one_session(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """Updated first opens the session; the Started then gives its start time and register."""
    station = await connect_station("2.0.1")
    tx = unique("TX")
    periodic = sampled(1800, "Sample.Periodic", 5)
    await station.client.call("TransactionEvent", event("Updated", tx, 1, 5, meterValue=periodic))
    begin = sampled(1000, "Transaction.Begin", 0)
    await station.client.call("TransactionEvent", event("Started", tx, 0, 0, meterValue=begin))
    rows = await db.fetch("SELECT * FROM sessions WHERE station_id = $1", station.station_id)
    assert len(rows) == 1
    assert rows[0]["state"] == "active"
    assert rows[0]["started_at"] == T
    await station.client.call(
        "TransactionEvent",
        event("Ended", tx, 2, 30, meterValue=sampled(4000, "Transaction.End", 30)),
    )
    done = await session_of(db, station.station_id, tx)
    assert (done["state"], done["energy_wh"]) == ("completed", Decimal(3000))


async def test_16_a_new_start_on_a_busy_connector_supersedes_the_open_session(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """The first session ends at its last reading, held for review as superseded."""
    station = await connect_station("1.6")
    station.clock = SimClock(start=T, speed=0)
    first = await station.start_transaction(1, "CARDSUP1")
    await station.charge(first, 600)
    await station.meter_values(first)  # its last reading
    await station.charge(first, 60)  # never reported: the station vanished
    second = await station.start_transaction(1, "CARDSUP2")
    old = await session_of(db, station.station_id, first.transaction_id)
    new = await session_of(db, station.station_id, second.transaction_id)
    assert (old["state"], old["stop_reason"], new["state"]) == ("completed", "superseded", "active")
    assert old["ending"]["kind"] == "superseded"
    assert old["ending"]["by_transaction_id"] == second.transaction_id
    last = await db.fetchval(
        "SELECT max(sampled_at) FROM meter_samples WHERE session_id = $1", old["session_id"]
    )
    assert old["stopped_at"] == last
    assert old["energy_wh"] == Decimal(50_000 * 600 // 3600)
    [statement] = await statements_of(db, old["session_id"])
    assert statement["status"] == "needs_review"
    inputs = statement["inputs"]
    # an unknown card is refused: that hold is shown first; the ending is printed as well
    assert inputs["review_reason"] == "authorization_refused"
    assert inputs["superseded"]["by_transaction_id"] == second.transaction_id
    open_rows = await db.fetchval(
        "SELECT count(*) FROM sessions WHERE station_id = $1 AND evse_id = 1 AND state = 'active'",
        station.station_id,
    )
    assert open_rows == 1


async def test_201_a_started_on_a_busy_evse_supersedes_the_open_session(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    station = await connect_station("2.0.1")
    one, two = unique("TX"), unique("TX")
    begin = sampled(1000, "Transaction.Begin", 0)
    await station.client.call("TransactionEvent", event("Started", one, 0, 0, meterValue=begin))
    periodic = sampled(1700, "Sample.Periodic", 10)
    await station.client.call("TransactionEvent", event("Updated", one, 1, 10, meterValue=periodic))
    await station.client.call("TransactionEvent", event("Started", two, 0, 20))
    old = await session_of(db, station.station_id, one)
    assert (old["state"], old["stop_reason"], old["energy_wh"]) == (
        "completed",
        "superseded",
        Decimal(700),
    )
    assert (await session_of(db, station.station_id, two))["state"] == "active"
    [statement] = await statements_of(db, old["session_id"])
    assert statement["status"] == "needs_review"
    assert statement["inputs"]["review_reason"] == "superseded"
    assert statement["inputs"]["superseded"]["by_transaction_id"] == two


async def test_16_a_stop_with_an_empty_voltage_is_accepted(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """The empty value is kept as unreadable, the register is kept, the session ends."""
    station = await connect_station("1.6")
    station.clock = SimClock(start=T, speed=0)
    tx = await station.start_transaction(1, "CARDVOLT")
    data = [
        {
            "timestamp": at(30),
            "sampledValue": [
                {"value": "", "measurand": "Voltage", "unit": "V"},
                {"value": "6000", "measurand": REGISTER, "context": "Transaction.End"},
            ],
        }
    ]
    stop = {
        "transactionId": int(tx.transaction_id),
        "meterStop": 6000,
        "timestamp": at(30),
        "transactionData": data,
    }
    await station.client.call("StopTransaction", stop)
    row = await session_of(db, station.station_id, tx.transaction_id)
    assert row["state"] == "completed"
    samples = await db.fetch(
        "SELECT measurand, value, raw_value, unreadable FROM meter_samples"
        " WHERE session_id = $1 ORDER BY measurand",
        row["session_id"],
    )
    assert [(s["measurand"], s["value"]) for s in samples] == [
        (REGISTER, Decimal(6000)),
        ("Voltage", None),
    ]
    assert json.loads(samples[1]["raw_value"]) == {"measurand": "Voltage", "unit": "V", "value": ""}
    assert "not a number" in samples[1]["unreadable"]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_meter_values_with_a_bad_sampled_value_keep_the_others(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    """A sampled value off its schema (unknown measurand) is unreadable; the others stored."""
    station = await connect_station(version)
    good: dict[str, Any] = {"value": "7" if version == "1.6" else 7, "measurand": REGISTER}
    bad: dict[str, Any] = {"value": "1" if version == "1.6" else 1, "measurand": "Bogus.Thing"}
    payload: dict[str, Any] = {
        "meterValue": [{"timestamp": at(1), "sampledValue": [good, bad]}],
        ("connectorId" if version == "1.6" else "evseId"): 1,
    }
    await station.client.call("MeterValues", payload)
    rows = await db.fetch(
        "SELECT measurand, value, unreadable FROM meter_samples WHERE station_id = $1"
        " ORDER BY measurand",
        station.station_id,
    )
    assert [(r["measurand"], r["value"]) for r in rows] == [("Bogus.Thing", None), (REGISTER, 7)]
    assert "measurand" in rows[0]["unreadable"]


async def test_201_an_ended_with_a_bad_sampled_value_is_accepted(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    station = await connect_station("2.0.1")
    tx = unique("TX")
    await station.client.call("TransactionEvent", event("Started", tx, 0, 0))
    values = [
        {
            "timestamp": at(30),
            "sampledValue": [
                {"value": 5, "measurand": "Voltage", "phase": "L9"},
                {"value": 4000, "measurand": REGISTER, "context": "Transaction.End"},
            ],
        }
    ]
    await station.client.call("TransactionEvent", event("Ended", tx, 1, 30, meterValue=values))
    row = await session_of(db, station.station_id, tx)
    assert (row["state"], row["meter_stop_wh"]) == ("completed", Decimal(4000))
    flagged = await db.fetchval(
        "SELECT count(*) FROM meter_samples WHERE session_id = $1 AND unreadable IS NOT NULL",
        row["session_id"],
    )
    assert flagged == 1


async def test_201_an_ended_with_huge_sample_numbers_is_accepted(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    """A multiplier beyond 32 bits or a measurand that is no measurand makes that sample
    unreadable (a long measurand is not stored as such), a value beyond 64 bits is kept
    exactly (numeric); none of them refuses the Ended."""
    station = await connect_station("2.0.1")
    tx = unique("TX")
    await station.client.call("TransactionEvent", event("Started", tx, 0, 0))
    values = [
        {
            "timestamp": at(30),
            "sampledValue": [
                {"value": 2**70, "measurand": "Voltage"},
                {"value": 5, "unitOfMeasure": {"unit": "V", "multiplier": 2**40}},
                {"value": 1, "measurand": "X" * 5000},
                {"value": 4000, "measurand": REGISTER, "context": "Transaction.End"},
            ],
        }
    ]
    await station.client.call("TransactionEvent", event("Ended", tx, 1, 30, meterValue=values))
    row = await session_of(db, station.station_id, tx)
    assert (row["state"], row["meter_stop_wh"]) == ("completed", Decimal(4000))
    measurands = await db.fetch(
        "SELECT measurand FROM meter_samples WHERE session_id = $1 AND unreadable IS NOT NULL",
        row["session_id"],
    )
    assert len(measurands) == 2
    assert max(len(r["measurand"]) for r in measurands) <= 50
    huge = await db.fetchval(
        "SELECT value FROM meter_samples WHERE session_id = $1 AND measurand = 'Voltage'",
        row["session_id"],
    )
    assert huge == Decimal(2**70)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_samples_that_differ_only_in_value_are_all_kept(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    station = await connect_station(version)
    values = [
        {"value": v if version == "2.0.1" else str(v), "measurand": "Voltage"} for v in (1, 2)
    ]
    payload: dict[str, Any] = {
        "meterValue": [{"timestamp": at(2), "sampledValue": values}],
        ("connectorId" if version == "1.6" else "evseId"): 1,
    }
    await station.client.call("MeterValues", payload)
    await station.client.call("MeterValues", payload)  # a replay adds nothing
    kept = await db.fetch(
        "SELECT value FROM meter_samples WHERE station_id = $1 ORDER BY value", station.station_id
    )
    assert [r["value"] for r in kept] == [1, 2]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_boot_with_nul_and_lone_surrogates_succeeds_with_them_replaced(
    version: str, connect_station: Any, db: asyncpg.Connection
) -> None:
    station = await connect_station(version, boot=False)
    vendor, model = "Ven\u0000dor", "Mo\ud800del"
    payload: dict[str, Any] = (
        {"chargePointVendor": vendor, "chargePointModel": model}
        if version == "1.6"
        else {"chargingStation": {"vendorName": vendor, "model": model}, "reason": "PowerUp"}
    )
    answer = await station.client.call("BootNotification", payload)
    assert answer["status"] == "Accepted"
    row = await db.fetchrow(
        "SELECT vendor, model FROM stations WHERE station_id = $1", station.station_id
    )
    assert (row["vendor"], row["model"]) == ("Ven\ufffddor", "Mo\ufffddel")


@pytest.mark.parametrize(
    ("version", "action", "payload", "field"),
    [
        ("1.6", "Authorize", {"idTag": "AB\u0000CD"}, "idTag"),
        (
            "2.0.1",
            "Authorize",
            {"idToken": {"idToken": "AB\ud800", "type": "ISO14443"}},
            "idToken.idToken",
        ),
        (
            "1.6",
            "StatusNotification",
            {"connectorId": 2**40, "errorCode": "NoError", "status": "Available"},
            "connectorId",
        ),
        (
            "2.0.1",
            "TransactionEvent",
            {**event("Started", "TXBIG", 0, 0), "evse": {"id": 2**40}},
            "evse.id",
        ),
    ],
)
async def test_a_value_that_cannot_be_recorded_gets_a_call_error_naming_it(
    version: str, action: str, payload: dict[str, Any], field: str, connect_station: Any
) -> None:
    station = await connect_station(version)
    with pytest.raises(CallErrorReceived) as raised:
        await station.client.call(action, payload)
    assert raised.value.code == "PropertyConstraintViolation"
    assert raised.value.description.startswith(f"{field}: ")
    assert (await station.heartbeat())["currentTime"]  # the socket stays open


async def test_201_a_seq_no_of_2_to_the_40_is_stored(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    station = await connect_station("2.0.1")
    tx = unique("TX")
    await station.client.call("TransactionEvent", event("Started", tx, 2**40, 0))
    row = await session_of(db, station.station_id, tx)
    assert row["last_seq_no"] == 2**40
    assert (
        await db.fetchval(
            "SELECT seq_no FROM transaction_events WHERE station_id = $1", station.station_id
        )
        == 2**40
    )


async def test_a_data_transfer_with_nul_text_is_kept_replaced(
    connect_station: Any, db: asyncpg.Connection
) -> None:
    station = await connect_station("2.0.1")
    await station.client.call("DataTransfer", {"vendorId": "acme", "data": "a\u0000b"})
    payload = await db.fetchval(
        "SELECT payload FROM station_events WHERE station_id = $1 AND kind = 'DataTransfer'",
        station.station_id,
    )
    assert payload["data"] == "a\ufffdb"


@pytest.mark.parametrize(
    ("version", "code"), [("1.6", "FormationViolation"), ("2.0.1", "RpcFrameworkError")]
)
async def test_over_deep_json_gets_a_call_error_and_the_socket_stays_open(
    version: str, code: str, connect_station: Any
) -> None:
    station = await connect_station(version)
    deep = "[" * 10_000 + "]" * 10_000
    await station.client.send_raw(
        f'[2, "deep", "DataTransfer", {{"vendorId": "x", "data": {deep}}}]'
    )
    frame = await station.client.raw_answers.get()
    assert frame[:3] == [4, "-1", code]
    nested: Any = "x"
    for _ in range(40):
        nested = {"a": nested}
    format_code = "FormationViolation" if version == "1.6" else "FormatViolation"
    await station.client.send_raw(json.dumps([2, "nested", "Heartbeat", nested]))
    frame = await station.client.raw_answers.get()
    assert frame[:3] == [4, "nested", format_code]
    assert (await station.heartbeat())["currentTime"]
