"""Which transaction starts are group-committed, and the event every start records.

Most starts (1.6 §4.8 StartTransaction, 2.0.1 E01-E03 TransactionEvent Started) open a
session and decide nothing else: a member's card (or no token), no reservation, no named app
start, online, plain samples, the first event of the transaction (whatever its seqNo:
nothing below a Started's is missing, ``storage/transaction_log.py``). Such a start is authorized
by the member rule (``authorization.rule.authorize_member_start``), then written with the
starts of other stations by one statement (``charging.ports.StartBatcher``), which stores it
only when nothing else has to happen (no session to supersede, no app start to claim, not a
retry). Every other start, and a plain one the batch did not store, takes the full path of
``charging.lifecycle``: the rules of a start exist there once, the batch only does the
trivially-true case of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from csms.authorization.models import AuthorizationResult
from csms.authorization.rule import mask_token
from csms.charging import sessions
from csms.charging.commands import RecordTransactionEvent, TransactionEventKind
from csms.charging.event_traces import seq_entry
from csms.charging.models import Session
from csms.charging.ports import PlainStart
from csms.events import SessionStarted

REMOTE_START_MATCH_WINDOW: Final = timedelta(minutes=10)  # an app start claimed by its card


def may_be_plain(event: RecordTransactionEvent) -> bool:
    """True when only the authorization's outcome can still send ``event`` the full way."""
    return (
        event.kind is TransactionEventKind.STARTED
        and (event.transaction_id is None) is (event.seq_no is None)  # 1.6: we issue the id
        and event.transaction_id != ""  # the batch issues an id for the empty one (1.6)
        and not event.offline
        and event.reservation_id is None
        and event.remote_start_id is None
        and event.meter_stop_wh is None
        and all(sample.plain for sample in event.samples)
    )


def plain_start(
    event: RecordTransactionEvent, authorization: AuthorizationResult | None, now: datetime
) -> PlainStart:
    """The start as the batch writes it (``event`` passed :func:`may_be_plain`)."""
    transaction_id = event.transaction_id or ""  # 1.6: issued by the batch
    session = sessions.new_session(event, transaction_id, authorization)
    token = event.id_token
    return PlainStart(
        session,
        sessions.start_key(event) if event.transaction_id is None else None,
        seq_entry(event, transaction_id) if event.seq_no is not None else None,
        event.samples,
        token.value if token is not None else None,
        now - REMOTE_START_MATCH_WINDOW if token is not None else None,
    )


def started_event(session: Session) -> SessionStarted:
    """What every start records (full path and batch alike)."""
    return SessionStarted(
        session.station_id,
        session_id=str(session.session_id),
        transaction_id=session.transaction_id,
        evse_id=session.evse_id,
        id_token_masked=mask_token(session.id_token) if session.id_token else None,
        authorization_status=session.authorization_status,
    )
