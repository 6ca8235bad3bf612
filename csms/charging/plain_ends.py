"""Which station ends are group-committed, and how they are decided before their write.

Most ends (1.6 §4.10 StopTransaction, 2.0.1 E06 TransactionEvent Ended) complete an active
session that has its start register, with an end register in the message, on a connector
no signing meter measures: nothing but the session's own facts and its pricing terms decide
the statement. Such an end is decided by the one set of rules (the member rule for its
token, ``completion.decide_completion``: metering, pricing, events) through reads outside a
transaction, then written with the ends of other stations by one statement
(``charging.ports.EndBatcher``), which stores it only while the session is as it was read.
Every other end (a replay, a gap in the seqNos, a session ended otherwise, a late start
register, a signing meter, a visitor's session), and a plain one the batch did not store,
takes the full path of ``charging.lifecycle``, which decides it again in its transaction.
"""

from __future__ import annotations

from csms.authorization.rule import Authorizer
from csms.charging import sessions
from csms.charging.commands import (
    RecordTransactionEvent,
    TransactionEventKind,
    TransactionEventRecorded,
)
from csms.charging.completion import SessionEnd, decide_completion
from csms.charging.event_traces import seq_entry
from csms.charging.models import Session, SessionState
from csms.charging.ports import ChargingUnitOfWork, PlainEnd, SessionCompletion
from csms.events import DomainEvent
from csms.settlement.measurement import end_register
from csms.settlement.models import Statement
from csms.settlement.service import Settlement, billed_total


def may_be_plain(event: RecordTransactionEvent) -> bool:
    """True when only the stored session can still send ``event`` the full way."""
    return (
        event.kind is TransactionEventKind.ENDED
        and event.transaction_id is not None
        and not event.offline
        and all(sample.plain for sample in event.samples)
        and sessions.stated_or_read(event.meter_stop_wh, end_register(event.samples)) is not None
    )


async def decide_plain_end(
    uow: ChargingUnitOfWork,
    rule: Authorizer,
    settlement: Settlement,
    event: RecordTransactionEvent,
) -> tuple[PlainEnd, TransactionEventRecorded] | None:
    """The end as the batch writes it and the result it answers with, from reads on ``uow``
    (no transaction: the batch checks that the session did not change); None when the
    full path must decide it."""
    transaction_id = event.transaction_id or ""
    session = await uow.sessions.by_transaction(event.station_id, transaction_id)
    if session is None or session.state is not SessionState.ACTIVE or session.ending:
        return None
    if event.seq_no is not None and (
        session.last_seq_no is None or event.seq_no != session.last_seq_no + 1
    ):
        return None  # the next event only: a replay, a gap or a reused seqNo is the full path's
    authorization = None
    if event.id_token is not None:
        authorization = await rule(uow, event.station_id, event.evse_id, event.id_token, "member")
    if sessions.progress(session, event, authorization) is not None:
        return None  # the end adds to the session (a token, a start register, its place)
    meter_stop = sessions.stated_or_read(event.meter_stop_wh, end_register(event.samples))
    end = SessionEnd(event.timestamp, meter_stop, event.stop_reason)
    decided = await decide_completion(uow, settlement, session, end)
    if decided is None:
        return None
    return _plain_end(session, event, decided), TransactionEventRecorded(
        transaction_id, authorization, False, session, billed_total(decided[1])
    )


def _plain_end(
    session: Session,
    event: RecordTransactionEvent,
    decided: tuple[SessionCompletion, Statement, tuple[DomainEvent, ...]],
) -> PlainEnd:
    completion, statement, events = decided
    transaction_id = session.transaction_id
    return PlainEnd(
        session.session_id,
        session.station_id,
        transaction_id,
        session.evse_id,
        session.last_seq_no,
        seq_entry(event, transaction_id) if event.seq_no is not None else None,
        event.samples,
        completion,
        statement,
        events,
    )
