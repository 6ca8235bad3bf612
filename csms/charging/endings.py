"""Sessions the station did not end: superseded, interrupted, closed by an operator.

Each is ended at its last known reading (the time of its last sample, the last energy
register read; ``sessions.last_reading``) and settled like any other through
``completion.complete_session``; ``sessions.ending`` and the statement's inputs say how:

* **superseded** (1.6 §4.8 StartTransaction, 2.0.1 E01 Started on an EVSE/connector that has
  another open transaction): a connector charges one transaction at a time, so the old one
  ended before the new one started; held for review (``superseded``).
* **interrupted**: the station booted (1.6 §4.2, 2.0.1 B01 BootNotification) while the
  session was open and then sent nothing of it for the grace period (2.0.1 stations report
  ongoing transactions with TransactionEvent after a boot, 1.6 stations resend queued
  StopTransactions); held for review (``interrupted``).
* **closed_by_operator**: an operator closed a stuck session, with a reason; priced as
  measured (held only if its metering holds it), the statement names who and why.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from csms.charging.completion import SessionEnd, complete_session
from csms.charging.models import Session
from csms.charging.ports import ChargingUnitOfWork
from csms.charging.sessions import last_reading
from csms.settlement.models import ReviewReason
from csms.settlement.service import Settlement


class Ending(enum.StrEnum):
    SUPERSEDED = "superseded"
    INTERRUPTED = "interrupted"
    CLOSED_BY_OPERATOR = "closed_by_operator"


_HOLDS = {
    Ending.SUPERSEDED: ReviewReason.SUPERSEDED,
    Ending.INTERRUPTED: ReviewReason.INTERRUPTED,
    Ending.CLOSED_BY_OPERATOR: None,
}


def ending(kind: Ending, **details: Any) -> dict[str, Any]:
    """What ``sessions.ending`` keeps, e.g. ``{"kind": "closed_by_operator", "by": ...}``."""
    return {"kind": kind.value, **details}


async def end_at_last_reading(
    uow: ChargingUnitOfWork, settlement: Settlement, session: Session, note: dict[str, Any]
) -> Decimal | None:
    """End an open session the station did not end, at its last known reading; settled."""
    kind = Ending(note["kind"])
    stored = await uow.samples.of_session(session.session_id)
    stopped_at, meter_stop = last_reading(session, stored)
    end = SessionEnd(stopped_at, meter_stop, kind.value, note, _HOLDS[kind])
    return await complete_session(uow, settlement, session, end, stored)
