"""One charging lifecycle for every protocol version: started, updated, ended.

OCPP 1.6 §4.8 StartTransaction / §4.10 StopTransaction and 2.0.1 E01-E15 TransactionEvent
arrive here as one neutral event stream. The rules of "nothing lost, nothing doubled" live
here once:

* a retried 1.6 start (same station, EVSE, token, timestamp and register) gets the
  transaction id it got the first time; issuing that id is the only 1.6-specific step;
* an event seen before (same ``seq_no``, same content) changes nothing; another event with a
  used ``seq_no`` (a counter restarted by a reboot) is processed and flagged;
* a retried end changes nothing and adds no sample; meter values never reopen a session;
* an end for a transaction never seen starting creates the session from what it carries and
  completes it (2.0.1, whose stations issue the ids); a 1.6 stop for an id we never issued
  is kept for reconciliation; a late Started only fills what its session lacks;
* a new transaction on an EVSE/connector with another one open ends that one as superseded
  (``charging.endings``), so a connector never has two open sessions; the station's own
  end arriving later replaces the assumed one (``completion.replace_assumed_end``);
* the station's timestamps are the session's times, also for replayed offline queues;
* a completed session is settled in the same transaction as its end (one statement);
* most starts, updates and ends are group-committed (``plain_starts``, ``plain_ends``,
  ``event_traces.plain_update``): decided by these same rules and written with other
  stations' by one statement that stores them only where nothing else is to be decided;
  everything else, and what a batch did not store, takes the full path here.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Final

from csms.authorization.models import AuthorizationResult
from csms.authorization.rule import Authorizer, Purpose
from csms.charging import plain_ends, plain_starts, sessions
from csms.charging.commands import (
    RecordTransactionEvent,
    TransactionEventKind,
    TransactionEventRecorded,
)
from csms.charging.completion import SessionEnd, complete_session, replace_assumed_end
from csms.charging.endings import Ending, end_at_last_reading, ending
from csms.charging.event_traces import fresh, keep_unmatched, plain_update, store_samples
from csms.charging.interruptions import Interruptions
from csms.charging.models import Session, SessionState
from csms.charging.ports import (
    ChargingUnitOfWork,
    EndBatcher,
    RemoteStartClaim,
    SessionProgress,
    StartBatcher,
    UpdateBatcher,
)
from csms.clock import Clock
from csms.events import SessionUpdated
from csms.ports import UnitOfWorkProvider
from csms.settlement.measurement import end_register
from csms.settlement.service import Settlement, issued_total
from csms.settlement.tariffs import TariffCatalog

ENDED: Final = TransactionEventKind.ENDED
STARTED: Final = TransactionEventKind.STARTED


class ChargingLifecycle:
    """Records transaction events; one method per use case."""

    def __init__(
        self,
        uow: UnitOfWorkProvider[ChargingUnitOfWork],
        clock: Clock,
        catalog: TariffCatalog,
        rule: Authorizer,
        *,
        interrupted_grace_s: float = 900.0,
        updates: UpdateBatcher | None = None,
        starts: StartBatcher | None = None,
        ends: EndBatcher | None = None,
    ) -> None:
        self._uow = uow
        self._updates = updates
        self._starts = starts
        self._ends = ends
        self._clock = clock
        self._settlement = Settlement(catalog)
        self._rule = rule
        self.interruptions = Interruptions(uow, self._settlement, interrupted_grace_s)

    async def record(self, event: RecordTransactionEvent) -> TransactionEventRecorded:
        """Apply one event of a transaction, exactly once."""
        if self._updates is not None:  # most events: group-committed (storage/update_batcher)
            update = plain_update(event)
            if update is not None and await self._updates.record_update(update):
                return TransactionEventRecorded(event.transaction_id, None, False, None)
        if self._starts is not None and plain_starts.may_be_plain(event):
            recorded = await self._plain_start(self._starts, event)
            if recorded is not None:  # most starts: group-committed (storage/start_batcher)
                return recorded
        if self._ends is not None and plain_ends.may_be_plain(event):
            async with self._uow(atomic=False) as uow:  # reads only (and the card's last use)
                decided = await plain_ends.decide_plain_end(
                    uow, self._rule, self._settlement, event
                )
            if decided is not None and await self._ends.record_end(decided[0]):
                return decided[1]  # most ends: group-committed (storage/end_batcher)
        async with self._uow() as uow:
            if event.transaction_id is None:
                return await self._start_with_issued_id(uow, event)
            return await self._apply(uow, event, None)

    async def _plain_start(
        self, starts: StartBatcher, event: RecordTransactionEvent
    ) -> TransactionEventRecorded | None:
        """A start the member rule decides (one read, outside a transaction), then written by
        the batch; None when it must take the full path (which authorizes it once more)."""
        authorization = None
        if event.id_token is not None:
            async with self._uow(atomic=False) as uow:
                authorization = await self._rule.member_start(uow, event.station_id, event.id_token)
            if authorization is None:  # a visit could apply: decided in the start's transaction
                return None
        start = plain_starts.plain_start(event, authorization, self._clock.now())
        session = await starts.record_start(start)
        if session is None:
            return None
        return TransactionEventRecorded(session.transaction_id, authorization, False, session)

    async def _start_with_issued_id(
        self, uow: ChargingUnitOfWork, event: RecordTransactionEvent
    ) -> TransactionEventRecorded:
        """1.6: the central system issues the transaction id; a retried start gets it again."""
        key = sessions.start_key(event)
        existing = await uow.sessions.by_start_key(event.station_id, key)
        if existing is not None:
            authorization = await self._authorize(uow, event, "member")
            return TransactionEventRecorded(
                existing.transaction_id, authorization, replayed=True, session=existing
            )
        issued = str(await uow.sessions.next_transaction_id())
        return await self._apply(uow, replace(event, transaction_id=issued), key)

    async def _apply(
        self, uow: ChargingUnitOfWork, event: RecordTransactionEvent, start_key: str | None
    ) -> TransactionEventRecorded:
        transaction_id = event.transaction_id or ""
        session = None  # an id we just issued (start_key given) has no session yet
        if start_key is None:
            session = await uow.sessions.by_transaction(
                event.station_id, transaction_id, for_update=True
            )
        opening = session is None and event.kind is not ENDED
        authorization = await self._authorize(uow, event, "start" if opening else "member")
        if event.seq_no is not None and not await fresh(uow, event, transaction_id):
            total = await issued_total(uow, session.session_id) if session else None
            return TransactionEventRecorded(
                transaction_id, authorization, True, session, total if event.kind is ENDED else None
            )
        if session is None and event.kind is ENDED and not event.station_issues_id:
            await keep_unmatched(uow, event, transaction_id)
            return TransactionEventRecorded(transaction_id, authorization, False, None, None, True)
        created = session is None
        if session is None:
            session = await self._open(uow, event, transaction_id, authorization, start_key)
        elif session.state is SessionState.ACTIVE or event.kind is STARTED:
            session = await self._progress(uow, session, event, authorization)  # fills only
        await store_samples(uow, event, session)
        return await self._end_if_ended(uow, session, event, authorization, created)

    async def _end_if_ended(
        self,
        uow: ChargingUnitOfWork,
        session: Session,
        event: RecordTransactionEvent,
        authorization: AuthorizationResult | None,
        created: bool = False,
    ) -> TransactionEventRecorded:
        if event.kind is not ENDED:
            return TransactionEventRecorded(session.transaction_id, authorization, False, session)
        if session.state is SessionState.COMPLETED and session.ending is None:  # a retried end
            total = await issued_total(uow, session.session_id)
            return TransactionEventRecorded(
                session.transaction_id, authorization, True, session, total
            )
        total = await self._end(uow, session, event, read_start=not created)
        return TransactionEventRecorded(
            session.transaction_id, authorization, False, session, total
        )

    async def _open(
        self,
        uow: ChargingUnitOfWork,
        event: RecordTransactionEvent,
        transaction_id: str,
        authorization: AuthorizationResult | None,
        start_key: str | None,
    ) -> Session:
        if event.kind is ENDED:  # an end for a transaction never seen: created, then ended
            session = sessions.session_from_end(event, transaction_id, authorization)
        else:
            await self._supersede(uow, event, transaction_id)
            session = sessions.new_session(event, transaction_id, authorization)
        claim = None
        if event.id_token is not None:  # an app start of this card, claimed with the insert
            since = self._clock.now() - plain_starts.REMOTE_START_MATCH_WINDOW
            claim = RemoteStartClaim(
                event.station_id,
                event.id_token.value,
                event.remote_start_id,
                since,
                session.session_id,
            )
        remote_start_id = await uow.sessions.insert(session, start_key, claim)
        session = replace(session, remote_start_id=remote_start_id)
        if event.reservation_id is not None:  # the station consumed its reservation
            await uow.reservations.use(
                event.station_id, event.reservation_id, session.session_id, event.timestamp
            )
        uow.record(plain_starts.started_event(session))
        return session

    async def _progress(
        self,
        uow: ChargingUnitOfWork,
        session: Session,
        event: RecordTransactionEvent,
        authorization: AuthorizationResult | None,
    ) -> Session:
        """Record what an event adds to the session (a start register, a token, offline);
        returns the session as it is now, for an end in the same event."""
        change = sessions.progress(session, event, authorization)
        if change is None:  # most updates: one round trip saved
            return session
        await uow.sessions.update_progress(session.session_id, SessionProgress(**change))
        uow.record(
            SessionUpdated(session.station_id, str(session.session_id), session.transaction_id)
        )
        return sessions.progressed(session, change)

    async def _end(
        self,
        uow: ChargingUnitOfWork,
        session: Session,
        event: RecordTransactionEvent,
        *,
        read_start: bool,
    ) -> Decimal | None:
        """A station's end; a session created by this very end reads no start register from
        its end's samples (its energy is unknown unless it carries a begin reading)."""
        stored = None
        meter_stop = sessions.stated_or_read(event.meter_stop_wh, end_register(event.samples))
        if meter_stop is None:  # the end carried no register: use the last one stored
            stored = await uow.samples.of_session(session.session_id)
            meter_stop = end_register(stored)
        end = SessionEnd(
            event.timestamp, meter_stop, event.stop_reason, start_from_samples=read_start
        )
        if session.state is SessionState.COMPLETED:  # ended without it: its own end replaces
            return await replace_assumed_end(uow, self._settlement, session, end, stored)
        return await complete_session(uow, self._settlement, session, end, stored)

    async def _supersede(
        self, uow: ChargingUnitOfWork, event: RecordTransactionEvent, transaction_id: str
    ) -> None:
        """End the sessions still open on the EVSE/connector a new transaction starts on."""
        if event.evse_id is None:
            return
        opened = await uow.sessions.open_on_evse(event.station_id, event.evse_id)
        starting = replace(event, transaction_id=transaction_id)
        for old in sessions.superseded(opened, starting):
            note = ending(
                Ending.SUPERSEDED,
                by_transaction_id=transaction_id,
                new_start=event.timestamp.isoformat(),
            )
            await end_at_last_reading(uow, self._settlement, old, note)

    async def _authorize(
        self, uow: ChargingUnitOfWork, event: RecordTransactionEvent, purpose: Purpose
    ) -> AuthorizationResult | None:
        if event.id_token is None:
            return None
        return await self._rule(uow, event.station_id, event.evse_id, event.id_token, purpose)
