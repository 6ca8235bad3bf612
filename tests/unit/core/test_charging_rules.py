"""The core rules of charging, against the in-memory fakes: replays change nothing, nothing is
doubled, who may charge is decided once, and every finished session gets one statement."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from csms import events
from csms.authorization.models import IdToken, TokenKind, TokenStatus
from csms.charging.commands import (
    RecordMeterValues,
    RecordTransactionEvent,
    TransactionEventKind,
)
from csms.settlement.models import MeterSample, StatementStatus
from tests.unit.core.conftest import FEB_10, MEMBER, STATION, UNPRICED_STATION, Core

STARTED, UPDATED, ENDED = (
    TransactionEventKind.STARTED,
    TransactionEventKind.UPDATED,
    TransactionEventKind.ENDED,
)


def register(wh: int, context: str) -> MeterSample:
    return MeterSample(FEB_10, "Energy.Active.Import.Register", Decimal(wh), "Wh", context=context)


def start_16(station_id: str = STATION, token: str = MEMBER) -> RecordTransactionEvent:
    """A 1.6 StartTransaction as the adapter hands it over (no transaction id yet)."""
    return RecordTransactionEvent(
        station_id=station_id,
        ocpp_version="1.6",
        kind=STARTED,
        transaction_id=None,
        timestamp=FEB_10,
        evse_id=1,
        connector_id=1,
        id_token=IdToken(token, TokenKind.UNKNOWN),
        meter_start_wh=Decimal(1000),
    )


def stop_16(transaction_id: str, minutes: int = 30) -> RecordTransactionEvent:
    return RecordTransactionEvent(
        station_id=STATION,
        ocpp_version="1.6",
        kind=ENDED,
        transaction_id=transaction_id,
        timestamp=FEB_10 + timedelta(minutes=minutes),
        meter_stop_wh=Decimal(4000),
        stop_reason="Local",
    )


def event_201(kind: TransactionEventKind, seq_no: int, **facts: object) -> RecordTransactionEvent:
    base = RecordTransactionEvent(
        station_id=STATION,
        ocpp_version="2.0.1",
        kind=kind,
        transaction_id="tx-201",
        timestamp=FEB_10 + timedelta(minutes=30 * (kind is ENDED)),
        seq_no=seq_no,
        trigger="Authorized" if kind is STARTED else "EVDeparted",
    )
    return replace(base, **facts)  # type: ignore[arg-type]


async def test_a_retried_16_start_gets_the_same_transaction_id(core: Core) -> None:
    """The same StartTransaction twice: one session, the first transaction id again."""
    sessions = core.services.lifecycle
    first = await sessions.record(start_16())
    again = await sessions.record(start_16())
    assert again.replayed
    assert again.transaction_id == first.transaction_id
    assert len(core.store.sessions) == 1
    assert first.authorization is not None
    assert first.authorization.status is TokenStatus.ACCEPTED


async def test_a_finished_session_gets_exactly_one_statement(core: Core) -> None:
    """Stop twice: one completed session, one issued statement, the retry replayed."""
    sessions = core.services.lifecycle
    started = await sessions.record(start_16())
    assert started.transaction_id is not None
    ended = await sessions.record(stop_16(started.transaction_id))
    again = await sessions.record(stop_16(started.transaction_id))
    statements = list(core.store.statements.values())
    assert [s.status for s in statements] == [StatementStatus.ISSUED]
    assert statements[0].inputs["energy_wh"] == "3000"
    assert statements[0].inputs["energy_source"] == "charger_register"
    assert ended.total_cost == statements[0].total
    assert again.replayed
    assert again.total_cost == statements[0].total


async def test_a_replayed_201_event_changes_nothing(core: Core) -> None:
    """A seqNo seen before is answered again and stores nothing new."""
    sessions = core.services.lifecycle
    token = IdToken(MEMBER, TokenKind.ISO14443)
    begin = event_201(
        STARTED, 0, evse_id=1, id_token=token, samples=(register(1000, "Transaction.Begin"),)
    )
    await sessions.record(begin)
    samples_before = len(core.store.samples)
    replay = await sessions.record(begin)
    assert replay.replayed
    assert len(core.store.samples) == samples_before
    end = event_201(
        ENDED, 1, stop_reason="EVDisconnected", samples=(register(2500, "Transaction.End"),)
    )
    first = await sessions.record(end)
    second = await sessions.record(end)
    assert second.replayed
    assert first.total_cost == second.total_cost is not None
    assert len(core.store.statements) == 1


async def test_missing_facts_stay_missing(core: Core) -> None:
    """A 2.0.1 Started without EVSE opens a session whose EVSE and connector are unknown."""
    result = await core.services.lifecycle.record(event_201(STARTED, 0))
    assert result.session is not None
    assert (result.session.evse_id, result.session.connector_id) == (None, None)
    assert result.session.id_token is None


async def test_an_end_for_an_unknown_transaction_is_kept(core: Core) -> None:
    """No session is invented; the stop is kept for reconciliation and said as an event."""
    result = await core.services.lifecycle.record(stop_16("999"))
    assert result.unmatched
    assert not core.store.sessions
    assert (STATION, "999") in core.store.unmatched_stops
    assert any(isinstance(e, events.StopForUnknownTransaction) for e in core.store.events)


async def test_meter_values_after_the_end_never_reopen_the_session(core: Core) -> None:
    """Late samples are stored with the finished session, which stays completed."""
    sessions = core.services.lifecycle
    started = await sessions.record(start_16())
    assert started.transaction_id is not None
    await sessions.record(stop_16(started.transaction_id))
    await core.services.meter_values.record(
        RecordMeterValues(STATION, 1, started.transaction_id, (register(4100, "Sample.Periodic"),))
    )
    (row,) = core.store.sessions.values()
    assert row.session.state.value == "completed"
    assert len(core.store.statements) == 1


async def test_a_refused_card_is_answered_and_its_session_held(core: Core) -> None:
    """An unknown card is answered Invalid; if the station charges anyway, the statement is
    held for review with reason authorization_refused, never billed silently."""
    sessions = core.services.lifecycle
    started = await sessions.record(start_16(token="UNKNOWNCARD00001"))
    assert started.authorization is not None
    assert started.authorization.status is TokenStatus.INVALID
    assert started.transaction_id is not None
    ended = await sessions.record(stop_16(started.transaction_id))
    (statement,) = core.store.statements.values()
    assert statement.status is StatementStatus.NEEDS_REVIEW
    assert statement.total is None
    assert statement.inputs["review_reason"] == "authorization_refused"
    assert ended.total_cost is None


async def test_an_unassigned_station_is_unpriced_not_free(core: Core) -> None:
    """No tariff applies: an unpriced statement with the reason, never a zero."""
    sessions = core.services.lifecycle
    started = await sessions.record(start_16(UNPRICED_STATION))
    assert started.transaction_id is not None
    await sessions.record(replace(stop_16(started.transaction_id), station_id=UNPRICED_STATION))
    (statement,) = core.store.statements.values()
    assert statement.status is StatementStatus.UNPRICED
    assert statement.total is None
    assert "no tariff" in (statement.unpriced_reason or "")


async def test_events_follow_the_session_in_order(core: Core) -> None:
    """Started, ended and the statement are recorded as events, in that order."""
    sessions = core.services.lifecycle
    started = await sessions.record(start_16())
    assert started.transaction_id is not None
    await sessions.record(stop_16(started.transaction_id))
    kinds = [e.kind for e in core.store.events if e.station_id == STATION]
    order = [k for k in kinds if k in ("session_started", "session_ended", "statement_issued")]
    assert order == ["session_started", "session_ended", "statement_issued"]


async def test_a_correction_refers_to_the_statement_it_corrects(core: Core) -> None:
    """A correction is a new statement through the same path; the original stays."""
    sessions = core.services.lifecycle
    started = await sessions.record(start_16())
    assert started.transaction_id is not None
    ended = await sessions.record(stop_16(started.transaction_id))
    assert ended.session is not None
    correction = await core.services.statements.correct(ended.session.session_id, "checked")
    original = next(s for s in core.store.statements.values() if s.corrects is None)
    assert correction.corrects == original.statement_id
    assert correction.total == original.total
    assert correction.inputs["energy_wh"] == original.inputs["energy_wh"]
