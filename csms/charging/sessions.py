"""Pure rules of a session: what makes a start a retry, what an event adds, what settles.

No I/O: the lifecycle (``charging.lifecycle``) reads and writes; these decide.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.authorization.models import AuthorizationResult
from csms.authorization.rule import mask_token
from csms.charging.commands import RecordTransactionEvent, TransactionEventKind
from csms.charging.models import Session, SessionState
from csms.settlement.measurement import CONTEXT_TRANSACTION_BEGIN, end_register, start_register
from csms.settlement.models import MeterSample, SessionFacts


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
        id_token=token.as_sent if token else None,  # as the station sent it
        token_kind=token.kind if token else None,
        authorization_status=authorization.status if authorization else None,
        started_at=event.timestamp,
        stopped_at=None,
        meter_start_wh=opening_register(event),
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
    place = _missing_place(session, event)
    changes = (
        meter_start != session.meter_start_wh
        or token is not None
        or (event.offline and not session.offline)
        or any(value is not None for value in place.values())
    )
    if not changes:
        return None
    return place | {
        "meter_start_wh": meter_start,
        "last_seq_no": None,
        "offline": session.offline or event.offline,
        "id_token": token.as_sent if token else None,
        "token_kind": token.kind if token else None,
        "authorization_status": authorization.status if authorization and token else None,
    }


def _missing_place(session: Session, event: RecordTransactionEvent) -> dict[str, Any]:
    """What a Started that arrives after other events of its transaction fills in: an
    earlier start time and the EVSE/connector the session lacks (never a change)."""
    earlier = event.kind is TransactionEventKind.STARTED and event.timestamp < session.started_at
    return {
        "started_at": event.timestamp if earlier else None,
        "evse_id": event.evse_id if session.evse_id is None else None,
        "connector_id": event.connector_id if session.connector_id is None else None,
    }


def session_from_end(
    event: RecordTransactionEvent, transaction_id: str, authorization: AuthorizationResult | None
) -> Session:
    """The session an Ended for a transaction we never saw creates (it is completed at
    once): started at its first sample, else at the end; its registers from what it carries."""
    session = new_session(event, transaction_id, authorization)
    first = min((sample.sampled_at for sample in event.samples), default=event.timestamp)
    return replace(session, started_at=min(first, event.timestamp))


def opening_register(event: RecordTransactionEvent) -> Decimal | None:
    """The start register of the session an event opens: a Started's stated or first one; an
    event that comes before its Started (out of order) gives only a Transaction.Begin one,
    so that the late Started still brings the real start."""
    if event.kind is TransactionEventKind.STARTED:
        return stated_or_read(event.meter_start_wh, start_register(event.samples))
    begin = [sample for sample in event.samples if sample.context == CONTEXT_TRANSACTION_BEGIN]
    return stated_or_read(event.meter_start_wh, start_register(begin))


def event_digest(event: RecordTransactionEvent) -> str:
    """The content of a transaction event: equal digests, the same event (a replay)."""
    text = repr(event).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()


def superseded(open_sessions: Sequence[Session], event: RecordTransactionEvent) -> list[Session]:
    """The open sessions a new transaction on the same EVSE supersedes: another transaction,
    on the same connector (or one of the two does not say which)."""
    return [
        session
        for session in open_sessions
        if session.transaction_id != event.transaction_id
        and (
            session.connector_id is None
            or event.connector_id is None
            or session.connector_id == event.connector_id
        )
    ]


def last_reading(
    session: Session, samples: Sequence[MeterSample]
) -> tuple[datetime, Decimal | None]:
    """When and at which register a session not ended by its station ends: its last sample
    (its start when it has none) and the last energy register read."""
    last = max((sample.sampled_at for sample in samples), default=session.started_at)
    return max(last, session.started_at), end_register(samples)


def facts_of(
    session: Session,
    stopped_at: datetime,
    energy_wh: Decimal | None,
    ending: dict[str, Any] | None = None,
) -> SessionFacts:
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
        ending=ending if ending is not None else session.ending,
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
