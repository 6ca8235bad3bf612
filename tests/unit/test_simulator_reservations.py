"""The simulator's reservations, charging profiles and screen, without a central system.

The wire classes talk to a recording fake client; every message the station sends and
every answer it gives is checked against the ``ocpp`` library's JSON schemas.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import ocpp
import pytest

from simulators.charging_profiles import ProfileCriteria, clear, keep
from simulators.client import to_payload
from simulators.display import COST_VENDOR, Displayed
from simulators.reservations import SimReservation
from simulators.station import PROFILES, SimClock, SimulatedStation

SCHEMAS = Path(ocpp.__file__).parent
EXPIRY = "2025-02-10T02:00:00.000Z"


def schema(version: str, action: str, *, answer: bool) -> dict[str, Any]:
    """The library's schema for a request or an answer of ``action``."""
    if version == "1.6":
        name = f"v16/schemas/{action}{'Response' if answer else ''}.json"
    else:
        name = f"v201/schemas/{action}{'Response' if answer else 'Request'}.json"
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return loaded


class RecordingClient:
    """Stands in for ``OcppClient``: records each Call, answers from ``answers``."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, dict[str, Any]] = {
            "StartTransaction": {"transactionId": 7, "idTagInfo": {"status": "Accepted"}},
        }

    async def call(self, action: str, message: Any) -> dict[str, Any]:
        payload = to_payload(message)
        jsonschema.validate(payload, schema(self.version, action, answer=False))
        self.sent.append((action, payload))
        return self.answers.get(action, {})


def station(version: str) -> tuple[SimulatedStation, RecordingClient]:
    sim = SimulatedStation("SIM-RES", version, PROFILES["normal-ac-6kw"], SimClock(speed=0))
    sim.power_up()
    client = RecordingClient(version)
    sim.wire.client = client  # type: ignore[assignment]
    return sim, client


async def answer(sim: SimulatedStation, action: str, payload: dict[str, Any]) -> Any:
    """Answer one central-system Call like the client does, follow-up included."""
    result = await sim.wire.handlers()[action](payload)
    reply, follow_up = result if isinstance(result, tuple) else (result, None)
    jsonschema.validate(reply, schema(sim.version, action, answer=True))
    if follow_up is not None:
        await follow_up()
    return reply


def reserve_payload(version: str, reservation_id: int, connector: int | None) -> dict[str, Any]:
    if version == "1.6":
        return {
            "connectorId": connector or 0,
            "expiryDate": EXPIRY,
            "idTag": "CARD1",
            "reservationId": reservation_id,
        }
    payload: dict[str, Any] = {
        "id": reservation_id,
        "expiryDateTime": EXPIRY,
        "idToken": {"idToken": "CARD1", "type": "ISO14443"},
    }
    if connector:
        payload["evseId"] = connector
    return payload


def statuses(client: RecordingClient) -> list[tuple[int, str]]:
    return [
        (p.get("evseId", p.get("connectorId")), p.get("status", p.get("connectorStatus")))
        for action, p in client.sent
        if action == "StatusNotification"
    ]


# --- pure state --------------------------------------------------------------------------


def tx_profile(limit: Any, unit: str = "W", **extra: Any) -> dict[str, Any]:
    return {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
        **extra,
    }


async def test_a_zero_tx_profile_stops_the_energy_and_clearing_it_restores_it() -> None:
    sim, _ = station("1.6")
    tx = sim.begin(1, "CARD1", "ISO14443", None)
    before = sim.registers_wh[1]
    keep(sim, 1, tx_profile(0), "chargingProfileId")
    assert sim.power_limit_w == {1: 0}
    await sim.charge(tx, 600)
    assert sim.registers_wh[1] == before
    assert clear(sim, ProfileCriteria(profile_id=1), "chargingProfileId")
    assert sim.power_limit_w == {}
    assert sim.charging_profiles == []
    await sim.charge(tx, 600)
    assert sim.registers_wh[1] == before + 1000  # 6 kW for 10 minutes


async def test_a_positive_limit_caps_the_power_in_w_or_a() -> None:
    sim, _ = station("1.6")
    tx = sim.begin(1, "CARD1", "ISO14443", None)
    tx.transaction_id = "7"
    keep(sim, 1, tx_profile(Decimal("3000.0")), "chargingProfileId")
    before = sim.registers_wh[1]
    await sim.charge(tx, 3600)
    assert sim.registers_wh[1] - before == 3000
    keep(sim, 0, tx_profile(Decimal("10.0"), "A", transactionId=7), "chargingProfileId")
    assert sim.power_limit_w == {1: 2300}  # by transactionId; the same id replaced the old one
    assert len(sim.charging_profiles) == 1


async def test_other_purposes_and_no_open_session_set_no_cap() -> None:
    sim, _ = station("1.6")
    keep(sim, 1, tx_profile(0), "chargingProfileId")  # no session on connector 1
    default = {
        **tx_profile(0),
        "chargingProfileId": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
    }
    sim.begin(2, "CARD1", "ISO14443", None)
    keep(sim, 2, default, "chargingProfileId")
    assert sim.power_limit_w == {}
    assert not clear(sim, ProfileCriteria(profile_id=99), "chargingProfileId")
    assert clear(sim, ProfileCriteria(), "chargingProfileId")  # no criteria: all of them
    assert sim.charging_profiles == []


def test_a_start_uses_the_matching_reservation_once() -> None:
    sim, _ = station("1.6")
    sim.reservations = {
        1: SimReservation(1, 0, "CARD1", EXPIRY),
        2: SimReservation(2, 2, "CARD1", EXPIRY),
        3: SimReservation(3, 1, "OTHER", EXPIRY),
    }
    assert sim.take_reservation(2, "CARD1") == 2  # the connector's own before "any"
    assert sim.take_reservation(1, "CARD1") == 1  # connector 0 holds for any connector
    assert sim.take_reservation(1, "CARD1") is None
    assert sim.take_reservation(1, "NOBODY") is None
    assert sim.take_reservation(1, "CARD1", reservation_id=42) == 42
    assert list(sim.reservations) == [3]


# --- the wire, with a recording client ----------------------------------------------------


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_new_calls_are_in_the_handler_table(version: str) -> None:
    sim, _ = station(version)
    actions = {"ReserveNow", "CancelReservation", "SetChargingProfile", "ClearChargingProfile"}
    actions |= {"GetCompositeSchedule", "DataTransfer"}
    if version == "2.0.1":
        actions.add("CostUpdated")
    assert actions <= set(sim.wire.handlers())


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_reserve_then_start_sends_the_reservation_id(version: str) -> None:
    sim, client = station(version)
    assert await answer(sim, "ReserveNow", reserve_payload(version, 5, 1)) == {"status": "Accepted"}
    assert statuses(client) == [(1, "Reserved")]
    assert sim.reservations[5] == SimReservation(5, 1, "CARD1", EXPIRY)
    tx = await sim.start_transaction(1, "CARD1")
    assert tx.reservation_id == 5
    assert sim.reservations == {}
    action, started = client.sent[-1]
    assert started["reservationId"] == 5
    assert action == ("StartTransaction" if version == "1.6" else "TransactionEvent")
    if version == "2.0.1":  # only the Started event carries it
        await sim.meter_values(tx)
        assert "reservationId" not in client.sent[-1][1]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_reserve_any_connector_sends_no_status_and_refusals_keep_nothing(
    version: str,
) -> None:
    sim, client = station(version)
    await answer(sim, "ReserveNow", reserve_payload(version, 1, None))
    assert sim.reservations[1].connector == 0
    sim.reserve_answer = "Occupied"
    assert await answer(sim, "ReserveNow", reserve_payload(version, 2, 2)) == {"status": "Occupied"}
    assert list(sim.reservations) == [1]
    assert statuses(client) == []
    tx = await sim.start_transaction(2, "CARD9", reservation_id=77)
    assert client.sent[-1][1]["reservationId"] == 77
    assert tx.reservation_id == 77


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_cancel_frees_the_connector_unless_the_charger_keeps_it(version: str) -> None:
    sim, client = station(version)
    await answer(sim, "ReserveNow", reserve_payload(version, 5, 1))
    assert await answer(sim, "CancelReservation", {"reservationId": 9}) == {"status": "Rejected"}
    assert await answer(sim, "CancelReservation", {"reservationId": 5}) == {"status": "Accepted"}
    assert statuses(client) == [(1, "Reserved"), (1, "Available")]
    assert sim.reservations == {}
    sim.keeps_reserved = True
    await answer(sim, "ReserveNow", reserve_payload(version, 6, 2))
    assert await answer(sim, "CancelReservation", {"reservationId": 6}) == {"status": "Accepted"}
    assert statuses(client)[-1] == (2, "Reserved")
    assert 6 in sim.reservations


async def test_reservation_status_update_is_sent_and_drops_the_reservation() -> None:
    sim, client = station("2.0.1")
    await answer(sim, "ReserveNow", reserve_payload("2.0.1", 5, 1))
    await sim.reservation_status_update(5, "Expired")
    assert client.sent[-1] == (
        "ReservationStatusUpdate",
        {"reservationId": 5, "reservationUpdateStatus": "Expired"},
    )
    assert sim.reservations == {}


async def test_charging_profile_calls_on_201() -> None:
    sim, _ = station("2.0.1")
    tx = await sim.start_transaction(1, "CARD1")
    profile = {
        "id": 3,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "transactionId": tx.transaction_id,
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0}],
            }
        ],
    }
    sim.profile_answer = "Rejected"
    assert await answer(sim, "SetChargingProfile", {"evseId": 1, "chargingProfile": profile}) == {
        "status": "Rejected"
    }
    assert sim.charging_profiles == []
    sim.profile_answer = "Accepted"
    await answer(sim, "SetChargingProfile", {"evseId": 1, "chargingProfile": profile})
    assert sim.charging_profiles == [(1, profile)]
    assert sim.power_limit_w == {1: 0}
    schedule = await answer(sim, "GetCompositeSchedule", {"duration": 60, "evseId": 1})
    assert schedule["status"] == "Accepted"  # the limit-0 TxProfile is the composite
    assert schedule["schedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 0}]
    criteria = {"chargingProfileCriteria": {"evseId": 2}}
    assert await answer(sim, "ClearChargingProfile", criteria) == {"status": "Unknown"}
    assert await answer(sim, "ClearChargingProfile", {"chargingProfileId": 3}) == {
        "status": "Accepted"
    }
    assert sim.power_limit_w == {}


# --- the screen ---------------------------------------------------------------------------


async def test_16_cost_messages_show_exact_costs() -> None:
    sim, _ = station("1.6")
    raw = '{"transactionId": 7, "timestamp": "2025-02-10T01:00:00Z", "meterValue": 1234,'
    raw += ' "cost": 123.50, "state": "Charging", "chargingPrice": {"kWhPrice": 0.123}}'
    messages = [
        ("SetUserPrice", json.dumps({"idToken": "CARD1", "priceText": "料金 30円/kWh"})),
        ("RunningCost", raw),
        ("FinalCost", json.dumps({"transactionId": 7, "cost": 456, "priceText": "計 456円"})),
    ]
    for message_id, data in messages:
        payload = {"vendorId": COST_VENDOR, "messageId": message_id, "data": data}
        assert await answer(sim, "DataTransfer", payload) == {"status": "Accepted"}
    assert sim.display == [
        Displayed("price", None, "料金 30円/kWh", None),
        Displayed("running", "123.50", None, "7"),
        Displayed("final", "456", "計 456円", "7"),
    ]
    assert (sim.displayed_cost, sim.displayed_text) == ("456", "計 456円")
    other = {"vendorId": "acme", "messageId": "RunningCost", "data": "x"}
    assert await answer(sim, "DataTransfer", other) == {"status": "Accepted", "data": "x"}
    broken = {"vendorId": COST_VENDOR, "messageId": "RunningCost", "data": "{oops"}
    assert await answer(sim, "DataTransfer", broken) == {"status": "Rejected"}
    assert len(sim.display) == 3


async def test_201_answers_and_cost_updated_show_costs() -> None:
    sim, client = station("2.0.1")
    assert sim.displayed_cost is None
    client.answers["TransactionEvent"] = {
        "totalCost": Decimal("12.30"),
        "updatedPersonalMessage": {"format": "UTF8", "content": "料金 12.30円"},
    }
    tx = await sim.start_transaction(1, "CARD1")
    updated = {"totalCost": Decimal("99.99"), "transactionId": "t"}
    assert await answer(sim, "CostUpdated", updated) == {}
    client.answers["TransactionEvent"] = {"totalCost": 150}
    await sim.stop_transaction(tx)
    assert sim.display == [
        Displayed("running", "12.30", "料金 12.30円", tx.transaction_id),
        Displayed("running", "99.99", None, "t"),
        Displayed("final", "150", None, tx.transaction_id),
    ]
    assert (sim.displayed_cost, sim.displayed_text) == ("150", "料金 12.30円")


async def test_nothing_received_changes_nothing() -> None:
    sim, client = station("1.6")
    assert (sim.reserve_answer, sim.profile_answer, sim.keeps_reserved) == (
        "Accepted",
        "Accepted",
        False,
    )
    tx = await sim.start_transaction(1, "CARD1")
    assert "reservationId" not in client.sent[-1][1]
    before = sim.registers_wh[1]
    await sim.charge(tx, 600, 3000)
    assert sim.registers_wh[1] - before == Fraction(500)
    assert (sim.reservations, sim.charging_profiles, sim.power_limit_w, sim.display) == (
        {},
        [],
        {},
        [],
    )
