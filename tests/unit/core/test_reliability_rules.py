"""Nothing lost, nothing stuck (docs/reliability.md), the pure rules through the in-memory
fakes: content-deduplicated events, out-of-order reconciliation, superseding, operator
close, interruption after a reboot. Assertions on the stored rows of the fake store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from csms.authorization.models import IdToken, TokenKind
from csms.charging.commands import (
    RecordMeterValues,
    RecordTransactionEvent,
    TransactionEventKind,
)
from csms.charging.models import Session, SessionState
from csms.settlement.models import MeterSample, StatementStatus
from tests.unit.core.conftest import FEB_10, MEMBER, STATION, Core

STARTED, UPDATED, ENDED = (
    TransactionEventKind.STARTED,
    TransactionEventKind.UPDATED,
    TransactionEventKind.ENDED,
)
REGISTER = "Energy.Active.Import.Register"


def reading(wh: int, context: str, minutes: int) -> MeterSample:
    at = FEB_10 + timedelta(minutes=minutes)
    return MeterSample(at, REGISTER, Decimal(wh), "Wh", context=context)


def event(
    kind: TransactionEventKind, tx: str, seq_no: int, minutes: int, **facts: object
) -> RecordTransactionEvent:
    base = RecordTransactionEvent(
        station_id=STATION,
        ocpp_version="2.0.1",
        kind=kind,
        transaction_id=tx,
        timestamp=FEB_10 + timedelta(minutes=minutes),
        evse_id=1,
        connector_id=1,
        seq_no=seq_no,
        trigger="Authorized",
        station_issues_id=True,
        stop_reason="EVDisconnected" if kind is ENDED else None,
    )
    return replace(base, **facts)  # type: ignore[arg-type]


def start_16(minutes: int) -> RecordTransactionEvent:
    return RecordTransactionEvent(
        station_id=STATION,
        ocpp_version="1.6",
        kind=STARTED,
        transaction_id=None,
        timestamp=FEB_10 + timedelta(minutes=minutes),
        evse_id=1,
        connector_id=1,
        id_token=IdToken(MEMBER, TokenKind.UNKNOWN),
        meter_start_wh=Decimal(1000),
    )


def session_of(core: Core, tx: str) -> Session:
    [row] = [r for r in core.store.sessions.values() if r.session.transaction_id == tx]
    return row.session


async def test_a_reused_seq_no_is_processed_and_a_replay_is_not(core: Core) -> None:
    lifecycle = core.services.lifecycle
    await lifecycle.record(
        event(STARTED, "T1", 0, 0, samples=(reading(1000, "Transaction.Begin", 0),))
    )
    await lifecycle.record(event(UPDATED, "T1", 1, 10))
    ended = event(ENDED, "T1", 1, 30, samples=(reading(3000, "Transaction.End", 30),))
    first = await lifecycle.record(ended)
    again = await lifecycle.record(ended)
    assert (first.replayed, again.replayed) == (False, True)
    session = session_of(core, "T1")
    assert (session.state, session.energy_wh) == (SessionState.COMPLETED, Decimal(2000))
    [reused] = core.store.reused_events.values()
    assert (reused.seq_no, reused.event_type, reused.seq_no_reused) == (1, "Ended", True)
    assert len(core.store.statements) == 1


async def test_a_late_started_fills_but_never_reopens(core: Core) -> None:
    lifecycle = core.services.lifecycle
    samples = (reading(1000, "Transaction.Begin", 0), reading(2500, "Transaction.End", 20))
    await lifecycle.record(event(ENDED, "T2", 3, 20, samples=samples))
    ended = session_of(core, "T2")
    assert (ended.state, ended.energy_wh) == (SessionState.COMPLETED, Decimal(1500))
    token = IdToken(MEMBER, TokenKind.ISO14443)
    await lifecycle.record(event(STARTED, "T2", 0, -5, id_token=token))
    late = session_of(core, "T2")
    assert late.state is SessionState.COMPLETED
    assert late.started_at == FEB_10 - timedelta(minutes=5)
    assert (late.id_token, late.stopped_at, late.energy_wh) == (
        MEMBER,
        ended.stopped_at,
        Decimal(1500),
    )
    assert len(core.store.statements) == 1


async def test_an_ended_without_a_begin_register_is_unknown_energy_not_zero(core: Core) -> None:
    await core.services.lifecycle.record(
        event(ENDED, "T3", 4, 20, samples=(reading(2500, "Transaction.End", 20),))
    )
    session = session_of(core, "T3")
    assert (session.state, session.energy_wh) == (SessionState.COMPLETED, None)
    [statement] = core.store.statements.values()
    assert statement.status is StatementStatus.UNPRICED


async def test_a_start_on_a_busy_connector_supersedes(core: Core) -> None:
    lifecycle = core.services.lifecycle
    first = await lifecycle.record(start_16(0))
    await core.services.meter_values.record(
        _meter_values(first.transaction_id or "", reading(1600, "Sample.Periodic", 10))
    )
    second = await lifecycle.record(start_16(20))
    old = session_of(core, first.transaction_id or "")
    assert (old.state, old.stop_reason, old.energy_wh) == (
        SessionState.COMPLETED,
        "superseded",
        Decimal(600),
    )
    assert old.stopped_at == FEB_10 + timedelta(minutes=10)
    assert session_of(core, second.transaction_id or "").state is SessionState.ACTIVE
    [statement] = core.store.statements.values()
    assert statement.status is StatementStatus.NEEDS_REVIEW
    assert statement.inputs["review_reason"] == "superseded"


async def test_closing_by_the_operator_prices_what_was_measured(core: Core) -> None:
    started = await core.services.lifecycle.record(start_16(0))
    await core.services.meter_values.record(
        _meter_values(started.transaction_id or "", reading(4000, "Sample.Periodic", 30))
    )
    session = session_of(core, started.transaction_id or "")
    statement = await core.services.statements.close_by_operator(
        session.session_id, "charger offline since Tuesday", "ops-key"
    )
    assert statement.status is StatementStatus.ISSUED
    assert statement.total is not None
    assert statement.inputs["closed_by_operator"] == {
        "by": "ops-key",
        "reason": "charger offline since Tuesday",
    }
    closed = session_of(core, started.transaction_id or "")
    assert (closed.state, closed.energy_wh, closed.stop_reason) == (
        SessionState.COMPLETED,
        Decimal(3000),
        "closed_by_operator",
    )


async def test_a_triggered_boot_marks_nothing(core: Core) -> None:
    interruptions = core.services.lifecycle.interruptions
    await core.services.lifecycle.record(start_16(0))
    assert await interruptions.station_booted(STATION, "Triggered") == 0
    assert await interruptions.station_booted(STATION, None) == 1  # a 1.6 boot
    assert await interruptions.end_interrupted(STATION) == 0  # within the grace period
    assert len(core.store.interrupt_pending) == 1


def _meter_values(tx: str, sample: MeterSample) -> RecordMeterValues:
    return RecordMeterValues(STATION, 1, tx, (sample,))


async def test_the_station_s_own_end_replaces_an_assumed_one(core: Core) -> None:
    """Superseded, then the old transaction's real stop: its values and a correction."""
    lifecycle = core.services.lifecycle
    first = await lifecycle.record(start_16(0))
    tx = first.transaction_id or ""
    await core.services.meter_values.record(_meter_values(tx, reading(1600, "Sample.Periodic", 10)))
    await lifecycle.record(start_16(20))
    stop = RecordTransactionEvent(
        station_id=STATION,
        ocpp_version="1.6",
        kind=ENDED,
        transaction_id=tx,
        timestamp=FEB_10 + timedelta(minutes=15),
        meter_stop_wh=Decimal(1900),
        stop_reason="Local",
    )
    await lifecycle.record(stop)
    session = session_of(core, tx)
    assert (session.stop_reason, session.energy_wh, session.ending) == ("Local", Decimal(900), None)
    statements = sorted(
        (s for s in core.store.statements.values() if s.session_id == session.session_id),
        key=lambda s: s.corrects is not None,
    )
    assert [s.status for s in statements] == [StatementStatus.NEEDS_REVIEW, StatementStatus.ISSUED]
    assert statements[1].corrects == statements[0].statement_id
