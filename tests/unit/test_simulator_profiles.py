"""The simulator follows charging profiles (issue 15 item 6), without a central system.

Stacking, TxProfile over TxDefaultProfile, the station max, A to W, Relative schedules,
period boundaries, validity, replacement, faults, and the answers and reports on both
versions; every message sent and every answer given is checked against the ``ocpp``
library's JSON schemas (numbers read as ``Decimal``, as the library does for 1.6's
``multipleOf``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import ocpp
import pytest

from simulators.charging_profiles import keep
from simulators.client import _default, to_payload
from simulators.state import iso
from simulators.station import PROFILES, SimClock, SimulatedStation, Transaction

SCHEMAS = Path(ocpp.__file__).parent
T0 = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)
VERSIONS = ["1.6", "2.0.1"]


def schema(version: str, action: str, *, answer: bool) -> dict[str, Any]:
    if version == "1.6":
        name = f"v16/schemas/{action}{'Response' if answer else ''}.json"
    else:
        name = f"v201/schemas/{action}{'Response' if answer else 'Request'}.json"
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(), parse_float=Decimal)
    return loaded


def validate(payload: dict[str, Any], version: str, action: str, *, answer: bool) -> None:
    """Validate ``payload`` as it goes on the wire (encoded like the client, read back)."""
    wire = json.loads(json.dumps(payload, default=_default), parse_float=Decimal)
    jsonschema.validate(wire, schema(version, action, answer=answer))


class RecordingClient:
    """Stands in for ``OcppClient``: validates and records each Call."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def call(self, action: str, message: Any) -> dict[str, Any]:
        payload = to_payload(message)
        validate(payload, self.version, action, answer=False)
        self.sent.append((action, payload))
        if action == "StartTransaction":
            return {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}
        return {}


def station(
    version: str = "1.6", kind: str = "normal-ac-6kw"
) -> tuple[SimulatedStation, RecordingClient]:
    sim = SimulatedStation("SIM-SC", version, PROFILES[kind], SimClock(T0, speed=0))
    sim.power_up()
    client = RecordingClient(version)
    sim.wire.client = client  # type: ignore[assignment]
    return sim, client


async def answer(sim: SimulatedStation, action: str, payload: dict[str, Any]) -> Any:
    """Answer one central-system Call like the client does, follow-up included."""
    validate(payload, sim.version, action, answer=False)
    result = await sim.wire.handlers()[action](payload)
    reply, follow_up = result if isinstance(result, tuple) else (result, None)
    validate(reply, sim.version, action, answer=True)
    if follow_up is not None:
        await follow_up()
    return reply


def profile(
    profile_id: int,
    purpose: str,
    periods: list[tuple[int, Any]],
    *,
    version: str = "1.6",
    stack: int = 0,
    kind: str = "Relative",
    unit: str = "W",
    phases: int | None = None,
    schedule: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A profile spelled the version's way (1.6 one schedule, 2.0.1 a list with an id)."""
    body: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            {"startPeriod": start, "limit": limit}
            | ({"numberPhases": phases} if phases is not None else {})
            for start, limit in periods
        ],
        **(schedule or {}),
    }
    if version == "1.6":
        purpose = "ChargePointMaxProfile" if purpose == "StationMax" else purpose
        head: dict[str, Any] = {"chargingProfileId": profile_id, "chargingSchedule": body}
    else:
        purpose = "ChargingStationMaxProfile" if purpose == "StationMax" else purpose
        head = {"id": profile_id, "chargingSchedule": [{"id": profile_id, **body}]}
    return head | {
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        **extra,
    }


async def set_profile(sim: SimulatedStation, connector: int, body: dict[str, Any]) -> str:
    if sim.is_v16:
        payload = {"connectorId": connector, "csChargingProfiles": body}
    else:
        payload = {"evseId": connector, "chargingProfile": body}
    reply = await answer(sim, "SetChargingProfile", payload)
    return str(reply["status"])


def opened(sim: SimulatedStation, connector: int = 1) -> Transaction:
    tx = sim.begin(connector, "CARD1", "ISO14443", None)
    tx.transaction_id = "7"
    return tx


def at(minutes: float) -> str:
    return iso(T0 + timedelta(minutes=minutes))


async def until(sim: SimulatedStation, moment: datetime) -> None:
    """Move the station's clock on to ``moment``."""
    await sim.clock.advance((moment - sim.clock.now()).total_seconds())


# --- the composite limit -----------------------------------------------------------------


async def test_the_highest_stack_level_wins_and_a_lower_one_takes_over_after_it() -> None:
    sim, _ = station()
    opened(sim)
    keep(sim, 1, profile(1, "TxDefaultProfile", [(0, 3000)]), "chargingProfileId")
    short = profile(2, "TxDefaultProfile", [(0, 5000)], stack=2, schedule={"duration": 600})
    keep(sim, 0, short, "chargingProfileId")
    assert sim.composite_limit_w(1) == 5000  # stack 2 (station-wide) over stack 0
    await sim.clock.advance(600)  # its duration is over: stack 0 again
    assert sim.composite_limit_w(1) == 3000


def test_a_tx_profile_overrides_the_default_and_the_station_max_caps_both() -> None:
    sim, _ = station()
    opened(sim)
    keep(sim, 0, profile(1, "TxDefaultProfile", [(0, 2000)], stack=5), "chargingProfileId")
    assert sim.composite_limit_w(1) == 2000
    keep(sim, 1, profile(2, "TxProfile", [(0, 4000)]), "chargingProfileId")
    assert sim.composite_limit_w(1) == 4000  # higher than the default, still it counts
    keep(sim, 0, profile(3, "StationMax", [(0, 3500)], kind="Absolute"), "chargingProfileId")
    assert sim.composite_limit_w(1) == 3500
    assert sim.composite_limit_w(2) == 2000  # no session there: the default, under the max
    assert sim.composite_limit_w(0) == 3500  # the station itself: only the max


@pytest.mark.parametrize(
    ("kind", "limit", "phases", "watts"),
    [
        ("normal-ac-6kw", 10, None, 6900),  # 230 V × 3 phases by default
        ("normal-ac-6kw", Decimal("16.0"), 1, 3680),
        ("normal-ac-6kw", Decimal("8.5"), 2, 3910),
        ("quick-dc-50kw", 100, None, 40000),  # 400 V, no phases on DC
        ("quick-dc-50kw", 100, 3, 40000),
    ],
)
def test_limits_in_a_are_converted_to_w(
    kind: str, limit: Any, phases: int | None, watts: int
) -> None:
    sim, _ = station(kind=kind)
    opened(sim)
    body = profile(1, "TxProfile", [(0, limit)], unit="A", phases=phases)
    keep(sim, 1, body, "chargingProfileId")
    assert sim.composite_limit_w(1) == watts


async def test_a_relative_schedule_runs_from_the_session_start() -> None:
    sim, _ = station()
    await sim.clock.advance(1800)  # a session some time after power-up
    opened(sim)
    steps = profile(1, "TxDefaultProfile", [(0, 1000), (600, 2000), (1200, 0)])
    keep(sim, 0, steps, "chargingProfileId")
    assert sim.composite_limit_w(1) == 1000
    await sim.clock.advance(599)
    assert sim.composite_limit_w(1) == 1000
    await sim.clock.advance(1)
    assert sim.composite_limit_w(1) == 2000
    await sim.clock.advance(600)
    assert sim.composite_limit_w(1) == 0


async def test_absolute_and_recurring_schedules_follow_the_clock() -> None:
    sim, _ = station()
    opened(sim)
    later = profile(
        1, "TxProfile", [(0, 1500)], kind="Absolute", schedule={"startSchedule": at(10)}
    )
    keep(sim, 1, later, "chargingProfileId")
    assert sim.composite_limit_w(1) is None  # not begun yet
    await until(sim, T0 + timedelta(minutes=10))
    assert sim.composite_limit_w(1) == 1500
    nightly = profile(
        2,
        "StationMax",
        [(0, 1000)],
        kind="Recurring",
        recurrencyKind="Daily",
        schedule={"startSchedule": at(-60), "duration": 3600},
    )
    keep(sim, 0, nightly, "chargingProfileId")
    assert sim.composite_limit_w(1) == 1500  # 01:10, after its hour (00:00-01:00)
    await until(sim, T0 + timedelta(days=3, minutes=-30))  # 00:30 three days later
    assert sim.composite_limit_w(1) == 1000


async def test_valid_from_and_valid_to_bound_a_profile() -> None:
    sim, _ = station()
    opened(sim)
    body = profile(1, "TxProfile", [(0, 2000)], validFrom=at(5), validTo=at(15))
    keep(sim, 1, body, "chargingProfileId")
    assert sim.composite_limit_w(1) is None
    await until(sim, T0 + timedelta(minutes=5))
    assert sim.composite_limit_w(1) == 2000
    await until(sim, T0 + timedelta(minutes=15))
    assert sim.composite_limit_w(1) is None  # expired: validTo is not included


# --- charging ----------------------------------------------------------------------------


async def test_charge_follows_the_limit_and_splits_a_step_at_a_boundary() -> None:
    sim, _ = station()
    tx = opened(sim)
    keep(sim, 1, profile(1, "TxProfile", [(0, 1000), (600, 2000)]), "chargingProfileId")
    before = sim.registers_wh[1]
    await sim.charge(tx, 1200)  # 600 s at 1000 W, then 600 s at 2000 W
    assert sim.registers_wh[1] - before == Fraction(500)
    assert sim.delivered_w == {1: 2000}
    await sim.charge(tx, 0.3)  # any step, exactly: 2000 W for 0.3 s
    assert sim.registers_wh[1] - before == Fraction(500) + Fraction(2000 * 3, 10 * 3600)


async def test_charge_ends_at_valid_to_within_a_step() -> None:
    sim, _ = station()
    tx = opened(sim)
    keep(sim, 1, profile(1, "TxProfile", [(0, 0)], validTo=at(10)), "chargingProfileId")
    before = sim.registers_wh[1]
    await sim.charge(tx, 1800)  # 10 min at 0 W, then 20 min at the charger's 6 kW
    assert sim.registers_wh[1] - before == 2000


async def test_the_ev_maximum_and_the_requested_power_bound_the_delivery() -> None:
    sim, _ = station()
    tx = opened(sim)
    tx.ev_max_w = 2500
    before = sim.registers_wh[1]
    await sim.charge(tx, 3600)
    assert sim.registers_wh[1] - before == 2500  # no profile: the EV's own maximum
    assert sim.delivered_w == {1: 2500}
    keep(sim, 1, profile(1, "TxProfile", [(0, 2000)]), "chargingProfileId")
    await sim.charge(tx, 3600, 5000)
    assert sim.registers_wh[1] - before == 4500
    await sim.charge(tx, 3600, 1000)
    assert sim.registers_wh[1] - before == 5500
    tx.ev_max_w = None
    sim.ev_max_w[1] = 700  # the connector's EV, when the session does not say
    await sim.charge(tx, 3600)
    assert sim.registers_wh[1] - before == 6200


async def test_without_profiles_nothing_is_reported_or_limited() -> None:
    sim, _ = station()
    tx = opened(sim)
    before = sim.registers_wh[1]
    await sim.charge(tx, 600)
    assert sim.registers_wh[1] - before == 1000
    assert (sim.composite_limit_w(1), sim.delivered_w) == (None, {})
    sim.power_limit_w[1] = 600  # a cap set by hand still holds without profiles
    await sim.charge(tx, 600)
    assert sim.registers_wh[1] - before == 1100


# --- the wire ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
async def test_set_profile_rules(version: str) -> None:
    sim, _ = station(version)
    assert await set_profile(sim, 1, profile(1, "TxProfile", [(0, 0)], version=version)) == (
        "Rejected"  # no session on connector 1 (1.6 §5.16.3, 2.0.1 K01.FR.09)
    )
    station_max = profile(2, "StationMax", [(0, 3000)], version=version, kind="Absolute")
    assert await set_profile(sim, 1, station_max) == "Rejected"  # only on connector 0
    unknown = profile(3, "TxDefaultProfile", [(0, 1)], version=version)
    assert await set_profile(sim, 3, unknown) == "Rejected"  # no connector 3
    assert await set_profile(sim, 0, station_max) == "Accepted"
    default = profile(4, "TxDefaultProfile", [(0, 2000)], version=version)
    assert await set_profile(sim, 0, default) == "Accepted"
    replaced = profile(4, "TxDefaultProfile", [(0, 1000)], version=version, stack=1)
    assert await set_profile(sim, 0, replaced) == "Accepted"  # the same id replaces
    assert [p for _, p in sim.charging_profiles] == [station_max, replaced]
    assert sim.composite_limit_w(1) == 1000


async def test_16_replaces_the_same_stack_level_and_purpose_and_binds_the_session() -> None:
    sim, client = station("1.6")
    await set_profile(sim, 1, profile(1, "TxDefaultProfile", [(0, 2000)]))
    await set_profile(sim, 1, profile(2, "TxDefaultProfile", [(0, 1000)]))  # §5.16.3
    await set_profile(sim, 2, profile(3, "TxDefaultProfile", [(0, 1000)]))  # other connector
    assert [(c, p["chargingProfileId"]) for c, p in sim.charging_profiles] == [(1, 2), (2, 3)]
    tx = await sim.start_transaction(1, "CARD1")
    assert await set_profile(sim, 1, profile(5, "TxProfile", [(0, 500)])) == "Accepted"
    assert sim.charging_profiles[-1][1]["transactionId"] == 7  # the session it is for
    assert sim.composite_limit_w(1) == 500
    sim.transactions.pop(1)
    sim.begin(1, "CARD2", "ISO14443", None).transaction_id = "8"
    assert sim.composite_limit_w(1) == 1000  # the next session: only the default
    assert tx.transaction_id == "7"
    assert [action for action, _ in client.sent] == ["StartTransaction"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_max_stack_level_rejects_higher_and_is_in_the_configuration(version: str) -> None:
    sim, _ = station(version)
    sim.max_stack_level = 3
    high = profile(1, "TxDefaultProfile", [(0, 2000)], version=version, stack=4)
    assert await set_profile(sim, 0, high) == "Rejected"
    ok = profile(2, "TxDefaultProfile", [(0, 2000)], version=version, stack=3)
    assert await set_profile(sim, 0, ok) == "Accepted"
    if version == "1.6":
        key = {"key": ["ChargeProfileMaxStackLevel"]}
        reply = await answer(sim, "GetConfiguration", key)
        assert reply == {
            "configurationKey": [
                {"key": "ChargeProfileMaxStackLevel", "readonly": True, "value": "3"}
            ]
        }
        change = {"key": "ChargeProfileMaxStackLevel", "value": "9"}
        assert await answer(sim, "ChangeConfiguration", change) == {"status": "Rejected"}
        return
    item = {
        "component": {"name": "SmartChargingCtrlr"},
        "variable": {"name": "ProfileStackLevel"},
    }
    reply = await answer(sim, "GetVariables", {"getVariableData": [item]})
    assert reply["getVariableResult"] == [
        {"attributeStatus": "Accepted", "attributeValue": "3", **item}
    ]


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_that_ignores_profiles_accepts_and_charges_on(version: str) -> None:
    sim, _ = station(version)
    sim.ignores_profiles = True
    tx = await sim.start_transaction(1, "CARD1")
    body = profile(1, "TxProfile", [(0, 0)], version=version, transactionId=tx.transaction_id)
    if version == "1.6":
        body["transactionId"] = 7
    assert await set_profile(sim, 1, body) == "Accepted"
    assert len(sim.charging_profiles) == 1
    assert (sim.composite_limit_w(1), sim.power_limit_w) == (None, {})
    before = sim.registers_wh[1]
    await sim.charge(tx, 600)
    assert sim.registers_wh[1] - before == 1000
    key = "connectorId" if version == "1.6" else "evseId"
    reply = await answer(sim, "GetCompositeSchedule", {key: 1, "duration": 600})
    assert reply == {"status": "Rejected"}


@pytest.mark.parametrize("version", VERSIONS)
async def test_composite_schedule_answers(version: str) -> None:
    sim, _ = station(version)
    key = "connectorId" if version == "1.6" else "evseId"
    request = {key: 1, "duration": 3600}
    assert await answer(sim, "GetCompositeSchedule", request) == {"status": "Rejected"}
    limits = [(0, 10), (600, Decimal("6.5")), (1200, 16)]
    body = profile(1, "TxDefaultProfile", limits, version=version, unit="A", phases=1)
    await set_profile(sim, 0, body)
    cap = profile(2, "StationMax", [(0, 3000)], version=version, kind="Absolute")
    await set_profile(sim, 0, cap | {"validTo": at(30)})
    reply = await answer(sim, "GetCompositeSchedule", request | {"chargingRateUnit": "W"})
    schedule = reply["chargingSchedule"] if version == "1.6" else reply["schedule"]
    assert reply["status"] == "Accepted"
    assert schedule["duration"] == 3600
    assert schedule["chargingRateUnit"] == "W"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 2300, "numberPhases": 1},  # 10 A on one phase
        {"startPeriod": 600, "limit": 1495, "numberPhases": 1},  # 6.5 A
        {"startPeriod": 1200, "limit": 3000},  # 16 A = 3680 W, over the station max
        {"startPeriod": 1800, "limit": 3680, "numberPhases": 1},  # the max expired
    ]
    start = reply["scheduleStart"] if version == "1.6" else schedule["scheduleStart"]
    assert start == iso(T0)
    in_amps = await answer(sim, "GetCompositeSchedule", request | {"chargingRateUnit": "A"})
    amps = (in_amps.get("chargingSchedule") or in_amps["schedule"])["chargingSchedulePeriod"]
    assert [p["limit"] for p in amps] == [10, Decimal("6.5"), Decimal("4.3"), 16]


@pytest.mark.parametrize("version", VERSIONS)
async def test_composite_schedule_defaults_gaps_and_unknown_connectors(version: str) -> None:
    sim, _ = station(version, "quick-dc-50kw")
    key = "connectorId" if version == "1.6" else "evseId"
    start = {"startSchedule": at(10)}
    later = profile(
        1, "TxDefaultProfile", [(0, 20000)], version=version, kind="Absolute", schedule=start
    )
    await set_profile(sim, 0, later)
    reply = await answer(sim, "GetCompositeSchedule", {key: 2, "duration": 1200})
    schedule = reply.get("chargingSchedule") or reply["schedule"]
    unit = "A" if version == "1.6" else "W"  # the default unit of each version
    assert schedule["chargingRateUnit"] == unit
    rated, limit = (125, 50) if unit == "A" else (50000, 20000)  # DC: 400 V
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": rated},  # not begun yet: the charger's own maximum
        {"startPeriod": 600, "limit": limit},
    ]
    unknown = await answer(sim, "GetCompositeSchedule", {key: 3, "duration": 60})
    assert unknown == {"status": "Rejected"}


async def test_201_get_charging_profiles_reports_per_evse() -> None:
    sim, client = station("2.0.1")
    tx = await sim.start_transaction(1, "CARD1")
    kept = [
        (0, profile(1, "StationMax", [(0, 9000)], version="2.0.1", kind="Absolute")),
        (0, profile(2, "TxDefaultProfile", [(0, 5000)], version="2.0.1", stack=1)),
        (1, profile(3, "TxProfile", [(0, 3000)], version="2.0.1", transactionId=tx.transaction_id)),
    ]
    for evse, body in kept:
        assert await set_profile(sim, evse, body) == "Accepted"
    reply = await answer(sim, "GetChargingProfiles", {"requestId": 9, "chargingProfile": {}})
    assert reply == {"status": "Accepted"}
    reports = [p for action, p in client.sent if action == "ReportChargingProfiles"]
    assert reports == [
        {
            "requestId": 9,
            "chargingLimitSource": "CSO",
            "evseId": 0,
            "chargingProfile": [kept[0][1], kept[1][1]],
            "tbc": True,
        },
        {
            "requestId": 9,
            "chargingLimitSource": "CSO",
            "evseId": 1,
            "chargingProfile": [kept[2][1]],
            "tbc": False,
        },
    ]
    criteria = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1}
    one = {"requestId": 10, "evseId": 0, "chargingProfile": criteria}
    assert await answer(sim, "GetChargingProfiles", one) == {"status": "Accepted"}
    assert client.sent[-1][1]["chargingProfile"] == [kept[1][1]]
    none = {"requestId": 11, "chargingProfile": {"chargingLimitSource": ["EMS"]}}
    assert await answer(sim, "GetChargingProfiles", none) == {"status": "NoProfiles"}
    assert client.sent[-1][1]["requestId"] == 10


@pytest.mark.parametrize("version", VERSIONS)
async def test_meter_values_report_the_power_when_profiles_shape_it(version: str) -> None:
    sim, client = station(version)
    tx = await sim.start_transaction(1, "CARD1")
    await sim.charge(tx, 60)
    await sim.meter_values(tx)
    assert len(samples(client)) == 1  # no profile, no EV maximum: only the register
    body = profile(1, "TxProfile", [(0, 2000)], version=version)
    assert await set_profile(sim, 1, body) == "Accepted"
    await sim.charge(tx, 60)
    await sim.meter_values(tx)
    power = samples(client)[1]
    assert power["measurand"] == "Power.Active.Import"
    assert power["value"] == ("2000" if version == "1.6" else 2000)
    await sim.stop_transaction(tx)
    assert len(samples(client)) == 1  # the end sample has only the register


def samples(client: RecordingClient) -> list[dict[str, Any]]:
    """The sampled values of the last meter value the station sent."""
    action, payload = client.sent[-1]
    if action == "StopTransaction":
        return list(payload["transactionData"][0]["sampledValue"])
    return list(payload["meterValue"][0]["sampledValue"])
