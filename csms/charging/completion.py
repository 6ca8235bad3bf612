"""Completing a session: its end, the metering decision and its statement, in one place.

Every way a session ends goes through :func:`complete_session`: a station's stop (1.6 §4.10
StopTransaction, 2.0.1 E06 TransactionEvent Ended) and the endings the station did not
send (``charging.endings``: superseded, interrupted, closed by an operator).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.charging.models import Session
from csms.charging.ports import ChargingUnitOfWork, SessionCompletion
from csms.charging.sessions import facts_of
from csms.events import DomainEvent, SessionEnded, SessionUpdated
from csms.records import frozen
from csms.settlement.measurement import energy_delivered, start_register
from csms.settlement.models import (
    Metering,
    MeterSample,
    ReviewReason,
    Statement,
    StatementStatus,
)
from csms.settlement.ports import SettlementUnitOfWork
from csms.settlement.service import Settlement, issued_event


@frozen
class SessionEnd:
    """How a session ends: when, at which register, why; ``ending`` and ``hold`` for an end
    the station did not send (how it ended; the review reason its statement is held for)."""

    stopped_at: datetime
    meter_stop_wh: Decimal | None
    stop_reason: str | None
    ending: dict[str, Any] | None = None
    hold: ReviewReason | None = None
    start_from_samples: bool = True  # no start register stored: read it from the samples


async def complete_session(
    uow: ChargingUnitOfWork,
    settlement: Settlement,
    session: Session,
    end: SessionEnd,
    stored: list[MeterSample] | None = None,
) -> Decimal | None:
    """End ``session``, store its metering with it and issue its statement (one transaction);
    returns the statement's total when it was priced. ``stored``: its samples, if read."""
    energy_wh = await _energy(uow, session, end, stored)
    facts = facts_of(session, end.stopped_at, energy_wh, end.ending)
    metering = _held(await settlement.decide(uow, facts), end)
    await uow.sessions.complete(session.session_id, _completion(end, energy_wh, metering))
    uow.record(_ended_event(session, energy_wh, end))
    return await settlement.settle(uow, facts, metering)


async def decide_completion(
    uow: SettlementUnitOfWork, settlement: Settlement, session: Session, end: SessionEnd
) -> tuple[SessionCompletion, Statement, tuple[DomainEvent, ...]] | None:
    """What :func:`complete_session` writes, decided before the end's write (the group
    commit of ends, ``charging.plain_ends``): the completion, the priced statement and the
    events. None where the full path must decide: no start register stored, a signing meter
    measures the connector, or a visitor's session (its mail is sent with the statement)."""
    if session.meter_start_wh is None or session.visitor_id is not None:
        return None
    energy_wh = energy_delivered(session.meter_start_wh, end.meter_stop_wh)
    facts = facts_of(session, end.stopped_at, energy_wh, end.ending)
    metering = await settlement.decide_unsigned(uow, facts)
    if metering is None:
        return None
    metering = _held(metering, end)
    statement = await settlement.statement_for(uow, facts, metering)
    events = (_ended_event(session, energy_wh, end), issued_event(facts, statement))
    return _completion(end, energy_wh, metering), statement, events


def _completion(
    end: SessionEnd, energy_wh: Decimal | None, metering: Metering
) -> SessionCompletion:
    return SessionCompletion(
        end.stopped_at, end.meter_stop_wh, energy_wh, end.stop_reason, metering, end.ending
    )


def _ended_event(session: Session, energy_wh: Decimal | None, end: SessionEnd) -> SessionEnded:
    return SessionEnded(
        session.station_id,
        session_id=str(session.session_id),
        transaction_id=session.transaction_id,
        energy_wh=str(energy_wh) if energy_wh is not None else None,
        stop_reason=end.stop_reason,
    )


async def replace_assumed_end(
    uow: ChargingUnitOfWork,
    settlement: Settlement,
    session: Session,
    end: SessionEnd,
    stored: list[MeterSample] | None = None,
) -> Decimal | None:
    """The station's own end (1.6 §4.10, 2.0.1 E06) of a session ended without it
    (``charging.endings``: superseded, interrupted, closed by an operator): its values replace
    the assumed ones and a correction replaces the statement (the old one stays, billing.md
    §4), priced from a new metering decision; returns the correction's total if priced."""
    kind = (session.ending or {}).get("kind")
    ended = replace(session, ending=None)
    energy_wh = await _energy(uow, ended, end, stored)
    facts = facts_of(ended, end.stopped_at, energy_wh)
    metering = await settlement.decide(uow, facts)
    await uow.sessions.replace_end(
        session.session_id,
        SessionCompletion(end.stopped_at, end.meter_stop_wh, energy_wh, end.stop_reason, metering),
    )
    uow.record(SessionUpdated(session.station_id, str(session.session_id), session.transaction_id))
    current = (await uow.statements.of_session(session.session_id))[-1]
    reason = f"the station's own end replaces the assumed one ({kind})"
    correction = await settlement.correct(uow, facts, current, reason, by_operator=False)
    if correction is None or correction.status is not StatementStatus.ISSUED:
        return None
    return correction.total


async def _energy(
    uow: ChargingUnitOfWork, session: Session, end: SessionEnd, stored: list[MeterSample] | None
) -> Decimal | None:
    """Stop minus start register; the start read from the samples when none is stored."""
    meter_start = session.meter_start_wh
    if meter_start is None and end.start_from_samples:
        stored = stored if stored is not None else await uow.samples.of_session(session.session_id)
        meter_start = start_register(stored)
    return energy_delivered(meter_start, end.meter_stop_wh)


def _held(metering: Metering, end: SessionEnd) -> Metering:
    """A hold of the ending joins the metering's own; a metering hold (the meter) comes first."""
    if end.hold is None or metering.review_reason is not None:
        return metering
    detail = f"{end.hold.value}: {end.ending}" if end.ending else end.hold.value
    return replace(metering, review_reason=end.hold, review_detail=detail)
