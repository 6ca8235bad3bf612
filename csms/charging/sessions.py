"""Pure rules of a session: what makes a start a retry, what an event adds, what settles.

No I/O: the lifecycle (``charging.lifecycle``) reads and writes; these decide.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.authorization.models import AuthorizationResult
from csms.authorization.rule import mask_token
from csms.charging.commands import RecordTransactionEvent
from csms.charging.models import Session, SessionState
from csms.settlement.measurement import start_register
from csms.settlement.models import SessionFacts


def start_key(event: RecordTransactionEvent) -> str:
    """What makes two 1.6 StartTransaction messages the same attempt."""
    register = event.meter_start_wh
    return "|".join(
        (
            str(event.evse_id),
            event.id_token.value if event.id_token else "",
            event.timestamp.isoformat(),
            str(register.normalize()) if register is not None else "",
        )
    )


def new_session(
    event: RecordTransactionEvent,
    transaction_id: str,
    authorization: AuthorizationResult | None,
) -> Session:
    """The session a starting event opens; facts the station did not give stay None."""
    token = event.id_token
    return Session(
        session_id=uuid.uuid4(),
        station_id=event.station_id,
        evse_id=event.evse_id,
        connector_id=event.connector_id,
        transaction_id=transaction_id,
        ocpp_version=event.ocpp_version,
        id_token=token.value if token else None,
        token_kind=token.kind if token else None,
        authorization_status=authorization.status if authorization else None,
        started_at=event.timestamp,
        stopped_at=None,
        meter_start_wh=stated_or_read(event.meter_start_wh, start_register(event.samples)),
        meter_stop_wh=None,
        energy_wh=None,
        stop_reason=None,
        state=SessionState.ACTIVE,
        offline=event.offline,
        last_seq_no=event.seq_no,
        visitor_id=authorization.visitor_id if authorization else None,
        flag=start_flag(authorization, offline=event.offline) if authorization else None,
    )


def stated_or_read(stated: Decimal | None, read: Decimal | None) -> Decimal | None:
    """A register the station stated outright wins over one read from samples; a stated 0 Wh
    (many 1.6 chargers start at ``meterStart`` 0) is a register like any other."""
    return stated if stated is not None else read


def progressed(session: Session, change: dict[str, Any]) -> Session:
    """The session as ``change`` (from :func:`progress`) leaves it: None keeps a value."""
    kept = {name: value for name, value in change.items() if value is not None}
    kept.pop("last_seq_no", None)
    return replace(session, **kept)


def progress(
    session: Session, event: RecordTransactionEvent, authorization: AuthorizationResult | None
) -> dict[str, Any] | None:
    """The session columns a later event changes, or None when it changes nothing.

    A token in a later event authorizes a session that started without one; the start
    register is taken from the first event that carries it.
    """
    meter_start = session.meter_start_wh
    if meter_start is None:
        meter_start = stated_or_read(event.meter_start_wh, start_register(event.samples))
    token = event.id_token if session.id_token is None else None
    changes = (
        meter_start != session.meter_start_wh
        or token is not None
        or (event.offline and not session.offline)
    )
    if not changes:
        return None
    return {
        "meter_start_wh": meter_start,
        "last_seq_no": None,
        "offline": session.offline or event.offline,
        "id_token": token.value if token else None,
        "token_kind": token.kind if token else None,
        "authorization_status": authorization.status if authorization and token else None,
    }


def facts_of(session: Session, stopped_at: datetime, energy_wh: Decimal | None) -> SessionFacts:
    """What settlement needs of a finished session."""
    return SessionFacts(
        session_id=session.session_id,
        station_id=session.station_id,
        evse_id=session.evse_id,
        transaction_id=session.transaction_id,
        started_at=session.started_at,
        stopped_at=stopped_at,
        id_token=session.id_token,
        authorization_status=session.authorization_status,
        visitor_id=session.visitor_id,
        register_energy_wh=energy_wh,
    )


def unmatched_note(event: RecordTransactionEvent) -> dict[str, object]:
    """What is kept of an end for a transaction we never saw (no full token: masked)."""
    note: dict[str, object] = {
        "id_token": mask_token(event.id_token.value) if event.id_token else None
    }
    if event.seq_no is not None:
        note |= {"seq_no": event.seq_no, "trigger_reason": event.trigger}
    return note


def start_flag(authorization: AuthorizationResult, *, offline: bool) -> str | None:
    """A session started with a token we would refuse is kept and flagged, never rejected
    after the fact (the station may have started it offline from its local list)."""
    if authorization.accepted:
        return None
    where = "offline " if offline else ""
    return f"started {where}with a token the central system answers {authorization.status}"
