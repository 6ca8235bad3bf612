"""Settlement rules against the in-memory fakes: the billed register, signed-meter holds
through corrections, and refused tokens whenever they appear."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from csms.authorization.models import IdToken, TokenKind, TokenStatus
from csms.charging.commands import RecordMeterValues
from csms.settlement.models import MeterRecord, MeterSample, StatementStatus
from csms.station_commands.commands import CostUpdated
from tests.unit.core.conftest import FEB_10, MEMBER, STATION, Core
from tests.unit.core.test_charging_rules import (
    ENDED,
    STARTED,
    UPDATED,
    event_201,
    start_16,
    stop_16,
)


async def _statement_after(core: Core, meter_start_wh: int, *samples_wh: int) -> object:
    lifecycle = core.services.lifecycle
    started = await lifecycle.record(replace(start_16(), meter_start_wh=Decimal(meter_start_wh)))
    assert started.transaction_id is not None
    for wh in samples_wh:
        sample = MeterSample(FEB_10, "Energy.Active.Import.Register", Decimal(wh), "Wh")
        await core.services.meter_values.record(
            RecordMeterValues(STATION, 1, started.transaction_id, (sample,))
        )
    await lifecycle.record(stop_16(started.transaction_id))  # meterStop 4000
    (statement,) = core.store.statements.values()
    return statement


async def test_a_start_register_of_zero_is_a_register(core: Core) -> None:
    """meterStart 0 (common on 1.6 chargers) bills stop - 0, not unknown energy."""
    statement = await _statement_after(core, 0)
    assert statement.status is StatementStatus.ISSUED  # type: ignore[attr-defined]
    assert statement.inputs["energy_wh"] == "4000"  # type: ignore[attr-defined]


async def test_a_stated_zero_start_wins_over_a_later_sample(core: Core) -> None:
    """A periodic reading in between never replaces the start register the station stated."""
    statement = await _statement_after(core, 0, 2000)
    assert statement.inputs["energy_wh"] == "4000"  # type: ignore[attr-defined]


async def test_a_refused_token_first_seen_at_the_end_holds_the_statement(core: Core) -> None:
    """2.0.1 Started without a token, Ended with a blocked one: held, not billed."""
    await core.services.admin.set_token("BLOCKEDCARD00001", TokenStatus.BLOCKED)
    lifecycle = core.services.lifecycle
    await lifecycle.record(event_201(STARTED, 0, evse_id=1))
    blocked = IdToken("BLOCKEDCARD00001", TokenKind.ISO14443)
    ended = await lifecycle.record(event_201(ENDED, 1, id_token=blocked, stop_reason="Local"))
    (statement,) = core.store.statements.values()
    assert statement.status is StatementStatus.NEEDS_REVIEW
    assert statement.inputs["review_reason"] == "authorization_refused"
    assert ended.total_cost is None


def _meter(serial: str, evse_id: int) -> MeterRecord:
    return MeterRecord(serial, "LEM", "DCBM N0D 4010 0000", 2023, "n3", None, STATION, evse_id)


async def test_a_held_meter_session_is_never_corrected_to_the_register(core: Core) -> None:
    """Held for an unknown meter key; the meter's record then moves to another EVSE: the
    correction stays held instead of falling back to the charger's register."""
    await core.services.admin.set_meter(_meter("DCBM-1", 1))
    lifecycle = core.services.lifecycle
    started = await lifecycle.record(start_16())
    assert started.transaction_id is not None
    ended = await lifecycle.record(stop_16(started.transaction_id))
    assert ended.session is not None
    (held,) = core.store.statements.values()
    assert held.inputs["review_reason"] == "meter_key_unknown"
    await core.services.admin.set_meter(_meter("DCBM-1", 2))
    correction = await core.services.statements.correct(ended.session.session_id, "moved")
    assert correction.status is StatementStatus.NEEDS_REVIEW
    assert correction.total is None
    assert correction.inputs["energy_source"] == "signed_meter"


async def test_correcting_a_shown_refusal_is_the_decision_to_bill(core: Core) -> None:
    """An operator who corrects a statement held authorization_refused bills the session."""
    lifecycle = core.services.lifecycle
    started = await lifecycle.record(start_16(token="UNKNOWNCARD00002"))
    assert started.transaction_id is not None
    ended = await lifecycle.record(stop_16(started.transaction_id))
    assert ended.session is not None
    correction = await core.services.statements.correct(ended.session.session_id, "card ok")
    assert correction.status is StatementStatus.ISSUED
    assert correction.total is not None
    assert correction.inputs["energy_wh"] == "3000"


async def test_the_running_cost_from_the_message_is_the_one_from_every_sample(core: Core) -> None:
    """2.0.1 I02 / seed 002 第10条: an Updated event's CostUpdated is priced from the
    event's own register (no read of the session's samples) and equals the cost priced from
    every stored sample."""
    lifecycle, prices = core.services.lifecycle, core.services.prices
    register = "Energy.Active.Import.Register"
    begin = MeterSample(FEB_10, register, Decimal(1000), "Wh", context="Transaction.Begin")
    card = IdToken(MEMBER, TokenKind.ISO14443, MEMBER)
    start = event_201(STARTED, 0, evse_id=1, connector_id=1, id_token=card, samples=(begin,))
    await lifecycle.record(start)
    later = (MeterSample(FEB_10 + timedelta(minutes=20), register, Decimal(3000), "Wh"),)
    await lifecycle.record(event_201(UPDATED, 1, samples=later))
    core.gateway.connected.add(STATION)
    await prices.charging(STATION, "2.0.1", "tx-201", later)
    await prices.charging(STATION, "2.0.1", "tx-201", ())  # read from the stored samples
    from_message, from_store = (command for _, command in core.gateway.sent[-2:])
    assert isinstance(from_message, CostUpdated)
    assert from_message == from_store
    assert from_message.total_cost > 0
