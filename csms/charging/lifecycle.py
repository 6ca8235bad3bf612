"""One charging lifecycle for every protocol version: started, updated, ended.

OCPP 1.6 §4.8 StartTransaction / §4.10 StopTransaction and 2.0.1 E01-E15 TransactionEvent
arrive here as one neutral event stream. The rules of "nothing lost, nothing doubled" live
here once:

* a retried 1.6 start (same station, EVSE, token, timestamp and register) gets the
  transaction id it got the first time; issuing that id is the only 1.6-specific step;
* an event whose ``seq_no`` was seen before changes nothing;
* a retried end changes nothing and adds no sample; meter values never reopen a session;
* an end for an unknown transaction is answered and kept for reconciliation;
* the station's timestamps are the session's times, also for replayed offline queues;
* a completed session is settled in the same transaction as its end (one statement).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Final

from csms.authorization.models import AuthorizationResult
from csms.authorization.rule import Authorizer, Purpose, mask_token
from csms.charging import sessions
from csms.charging.commands import (
    RecordTransactionEvent,
    TransactionEventKind,
    TransactionEventRecorded,
)
from csms.charging.models import Session, SessionState
from csms.charging.ports import (
    ChargingUnitOfWork,
    RemoteStartClaim,
    SeqNoEntry,
    SessionCompletion,
    SessionProgress,
    UnmatchedStop,
)
from csms.clock import Clock
from csms.events import SessionEnded, SessionStarted, SessionUpdated, StopForUnknownTransaction
from csms.ports import UnitOfWorkProvider
from csms.settlement.measurement import end_register, energy_delivered, start_register
from csms.settlement.ports import SampleBatch
from csms.settlement.service import Settlement, issued_total
from csms.settlement.signed_data import keep_signed_samples
from csms.settlement.tariffs import TariffCatalog

REMOTE_START_MATCH_WINDOW: Final = timedelta(minutes=10)
ENDED: Final = TransactionEventKind.ENDED


class ChargingLifecycle:
    """Records transaction events; one method per use case."""

    def __init__(
        self,
        uow: UnitOfWorkProvider[ChargingUnitOfWork],
        clock: Clock,
        catalog: TariffCatalog,
        rule: Authorizer,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settlement = Settlement(catalog)
        self._rule = rule

    async def record(self, event: RecordTransactionEvent) -> TransactionEventRecorded:
        """Apply one event of a transaction, exactly once."""
        async with self._uow() as uow:
            if event.transaction_id is None:
                return await self._start_with_issued_id(uow, event)
            return await self._apply(uow, event, None)

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
        if event.seq_no is not None and not await _fresh(uow, event, transaction_id):
            total = await issued_total(uow, session.session_id) if session else None
            return TransactionEventRecorded(
                transaction_id, authorization, True, session, total if event.kind is ENDED else None
            )
        if session is None and event.kind is ENDED:
            await self._keep_unmatched(uow, event, transaction_id)
            return TransactionEventRecorded(transaction_id, authorization, False, None, None, True)
        if session is None:
            session = await self._open(uow, event, transaction_id, authorization, start_key)
        elif session.state is SessionState.ACTIVE:  # a finished session's facts stay as they are
            session = await self._progress(uow, session, event, authorization)
        await _store_samples(uow, event, session)
        return await self._end_if_ended(uow, session, event, authorization)

    async def _end_if_ended(
        self,
        uow: ChargingUnitOfWork,
        session: Session,
        event: RecordTransactionEvent,
        authorization: AuthorizationResult | None,
    ) -> TransactionEventRecorded:
        if event.kind is not ENDED:
            return TransactionEventRecorded(session.transaction_id, authorization, False, session)
        if session.state is SessionState.COMPLETED:  # a retried end: nothing changes
            total = await issued_total(uow, session.session_id)
            return TransactionEventRecorded(
                session.transaction_id, authorization, True, session, total
            )
        total = await self._end(uow, session, event)
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
        session = sessions.new_session(event, transaction_id, authorization)
        if event.id_token is not None:
            since = self._clock.now() - REMOTE_START_MATCH_WINDOW
            remote_start_id = await uow.remote_starts.claim(
                RemoteStartClaim(
                    event.station_id,
                    event.id_token.value,
                    event.remote_start_id,
                    since,
                    session.session_id,
                )
            )
            session = replace(session, remote_start_id=remote_start_id)
        await uow.sessions.insert(session, start_key)
        uow.record(
            SessionStarted(
                session.station_id,
                session_id=str(session.session_id),
                transaction_id=transaction_id,
                evse_id=session.evse_id,
                id_token_masked=mask_token(session.id_token) if session.id_token else None,
                authorization_status=session.authorization_status,
            )
        )
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
        self, uow: ChargingUnitOfWork, session: Session, event: RecordTransactionEvent
    ) -> Decimal | None:
        stored = None
        meter_stop = sessions.stated_or_read(event.meter_stop_wh, end_register(event.samples))
        if meter_stop is None:  # the end carried no register: use the last one stored
            stored = await uow.samples.of_session(session.session_id)
            meter_stop = end_register(stored)
        meter_start = session.meter_start_wh
        if meter_start is None:
            stored = stored or await uow.samples.of_session(session.session_id)
            meter_start = start_register(stored)
        energy_wh = energy_delivered(meter_start, meter_stop)
        facts = sessions.facts_of(session, event.timestamp, energy_wh)
        metering = await self._settlement.decide(uow, facts)
        await uow.sessions.complete(
            session.session_id,
            SessionCompletion(event.timestamp, meter_stop, energy_wh, event.stop_reason, metering),
        )
        uow.record(
            SessionEnded(
                session.station_id,
                session_id=str(session.session_id),
                transaction_id=session.transaction_id,
                energy_wh=str(energy_wh) if energy_wh is not None else None,
                stop_reason=event.stop_reason,
            )
        )
        return await self._settlement.settle(uow, facts, metering)

    async def _authorize(
        self, uow: ChargingUnitOfWork, event: RecordTransactionEvent, purpose: Purpose
    ) -> AuthorizationResult | None:
        if event.id_token is None:
            return None
        return await self._rule(uow, event.station_id, event.evse_id, event.id_token, purpose)

    async def _keep_unmatched(
        self, uow: ChargingUnitOfWork, event: RecordTransactionEvent, transaction_id: str
    ) -> None:
        batch = SampleBatch(event.station_id, event.evse_id, transaction_id, event.samples)
        await uow.samples.add(batch, None)
        await keep_signed_samples(uow, event.station_id, transaction_id, None, event.samples)
        await uow.transaction_log.record_unmatched_stop(
            UnmatchedStop(
                event.station_id,
                transaction_id,
                event.timestamp,
                sessions.stated_or_read(event.meter_stop_wh, end_register(event.samples)),
                event.stop_reason,
                sessions.unmatched_note(event),
            )
        )
        uow.record(StopForUnknownTransaction(event.station_id, transaction_id))


async def _fresh(
    uow: ChargingUnitOfWork, event: RecordTransactionEvent, transaction_id: str
) -> bool:
    """Keep the event's seqNo; False when it was seen before (a replay)."""
    return await uow.transaction_log.record_event_seq(
        SeqNoEntry(
            event.station_id,
            transaction_id,
            event.seq_no or 0,
            event.kind.value,
            event.trigger or "",
            event.timestamp,
            event.offline,
        )
    )


async def _store_samples(
    uow: ChargingUnitOfWork, event: RecordTransactionEvent, session: Session
) -> None:
    """Keep every sample, and every signed one also as a signed record."""
    await uow.samples.add(
        SampleBatch(event.station_id, session.evse_id, session.transaction_id, event.samples),
        session.session_id,
    )
    await keep_signed_samples(
        uow, event.station_id, session.transaction_id, session.session_id, event.samples
    )
