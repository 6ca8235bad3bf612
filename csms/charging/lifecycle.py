"""Charging sessions: start, progress, meter values and end, for every protocol version.

OCPP 1.6 §4.8 StartTransaction, §4.10 StopTransaction, §4.7 MeterValues; 2.0.1
E01-E15 TransactionEvent. The rules of "nothing lost, nothing doubled" live here once:

* a retried 1.6 StartTransaction (same station, connector, idTag, timestamp,
  meterStart) gets the transaction id it got the first time;
* a retried stop (1.6 StopTransaction, 2.0.1 Ended) changes nothing and adds no sample;
* meter values for an ended session are stored but never reopen it;
* a stop for an unknown transaction is answered and kept for reconciliation;
* 2.0.1 ``seqNo`` gaps are recorded (and cleared when the missing event arrives);
* the station's timestamps are the session's times, also for replayed offline queues;
* a completed session gets exactly one statement, in the same transaction as the stop.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Final

import structlog

from csms.authorization.models import AuthorizationResult, IdToken
from csms.authorization.rule import AuthorizationPolicy, Purpose, authorize
from csms.charging.commands import (
    EndSession,
    RecordMeterValues,
    RecordTransactionEvent,
    SessionEnded,
    SessionStarted,
    StartSession,
    TransactionEventKind,
    TransactionEventRecorded,
)
from csms.charging.models import Session, SessionState
from csms.observability import SESSIONS_ENDED, SESSIONS_STARTED, mask_token
from csms.ports import Clock, SampleBatcher, UnitOfWork, UnitOfWorkProvider
from csms.settlement.measurement import energy_delivered, register_reading
from csms.settlement.models import MeterSample
from csms.settlement.service import Settlement, issued_total
from csms.settlement.signed_data import keep_signed_samples, read_record, transaction_hint
from csms.settlement.tariffs import TariffCatalog

log = structlog.get_logger(__name__)

REMOTE_START_MATCH_WINDOW: Final = timedelta(minutes=10)
_BEGIN = "Transaction.Begin"
_END = "Transaction.End"


def start_key(command: StartSession) -> str:
    """What makes two 1.6 StartTransaction messages the same attempt."""
    return "|".join(
        (
            str(command.evse_id),
            command.id_token.value,
            command.started_at.isoformat(),
            str(command.meter_start_wh.normalize()),
        )
    )


class SessionService:
    """Use cases about sessions. One method per use case."""

    def __init__(
        self,
        uow: UnitOfWorkProvider,
        clock: Clock,
        catalog: TariffCatalog,
        policy: AuthorizationPolicy | None = None,
        batcher: SampleBatcher | None = None,
    ) -> None:
        self._batcher = batcher
        self._uow = uow
        self._clock = clock
        self._settlement = Settlement(catalog)
        self._policy = policy or AuthorizationPolicy()

    async def start(self, command: StartSession) -> SessionStarted:
        """1.6 StartTransaction: open a session; a retry gets the same transaction id."""
        key = start_key(command)
        async with self._uow() as uow:
            existing = await uow.sessions.by_start_key(command.station_id, key)
            if existing is not None:
                authorization = await self._authorize(
                    uow, command.station_id, command.evse_id, command.id_token, "member"
                )
                return SessionStarted(existing.transaction_id, authorization, replayed=True)
            authorization = await self._authorize(
                uow, command.station_id, command.evse_id, command.id_token, "start"
            )
            transaction_id = str(await uow.sessions.next_transaction_id())
            session_id = uuid.uuid4()
            session = Session(
                session_id=session_id,
                station_id=command.station_id,
                evse_id=command.evse_id,
                connector_id=command.connector_id,
                transaction_id=transaction_id,
                ocpp_version=command.ocpp_version,
                id_token=command.id_token.value,
                token_kind=command.id_token.kind,
                authorization_status=authorization.status,
                started_at=command.started_at,
                stopped_at=None,
                meter_start_wh=command.meter_start_wh,
                meter_stop_wh=None,
                energy_wh=None,
                stop_reason=None,
                state=SessionState.ACTIVE,
                visitor_id=authorization.visitor_id,
                remote_start_id=await self._claim_remote_start(
                    uow, command.station_id, command.id_token.value, None, session_id
                ),
                flag=start_flag(authorization, offline=False),
            )
            await uow.sessions.insert(session, key)
        _log_started(session)
        return SessionStarted(transaction_id, authorization, replayed=False)

    async def record_meter_values(self, command: RecordMeterValues) -> None:
        """Keep every sample; link it to its session when the transaction is known."""
        if self._batcher is not None and all(x.signed_data is None for x in command.samples):
            # group commit: the batch links each sample to its session by transaction id
            await self._batcher.add(
                command.station_id, command.evse_id, command.transaction_id, command.samples
            )
            return
        async with self._uow(atomic=False) as uow:  # a lookup and one insert
            session = None
            if command.transaction_id is not None:
                session = await uow.sessions.by_transaction(
                    command.station_id, command.transaction_id
                )
            await _store_samples(
                uow,
                command.station_id,
                command.evse_id,
                command.transaction_id,
                session.session_id if session else None,
                command.samples,
            )

    async def record_signed_data(self, station_id: str, raw: str, carrier: str) -> None:
        """A signed record outside a meter value (1.6 DataTransfer): keep it with the session
        it names (``transactionId`` in a JSON wrapper), else the station's latest session."""
        transaction_id = transaction_hint(raw)
        async with self._uow() as uow:
            session = (
                await uow.sessions.by_transaction(station_id, transaction_id)
                if transaction_id
                else await uow.sessions.latest_of_station(station_id)
            )
            await uow.meters.add_signed_record(
                read_record(
                    raw,
                    station_id=station_id,
                    transaction_id=session.transaction_id if session else transaction_id,
                    session_id=session.session_id if session else None,
                    carrier=carrier,
                )
            )

    async def end(self, command: EndSession) -> SessionEnded:
        """1.6 StopTransaction: complete the session once; keep unknown stops."""
        async with self._uow() as uow:
            authorization = await self._maybe_authorize(
                uow, command.station_id, None, command.id_token, "member"
            )
            session = await uow.sessions.by_transaction(
                command.station_id, command.transaction_id, for_update=True
            )
            if session is None:
                await self._keep_unmatched_stop(uow, command)
                return SessionEnded(authorization, None, replayed=False, unmatched=True)
            await _store_samples(
                uow,
                command.station_id,
                session.evse_id,
                command.transaction_id,
                session.session_id,
                command.samples,
            )
            if session.state is SessionState.COMPLETED:
                return SessionEnded(authorization, session, replayed=True, unmatched=False)
            energy_wh = energy_delivered(session.meter_start_wh, command.meter_stop_wh)
            await uow.sessions.complete(
                session.session_id,
                command.stopped_at,
                command.meter_stop_wh,
                energy_wh,
                command.reason,
            )
            await self._settlement.settle(uow, session, command.stopped_at, energy_wh)
        _log_ended(session, energy_wh, command.reason)
        return SessionEnded(authorization, session, replayed=False, unmatched=False)

    async def record_transaction_event(
        self, command: RecordTransactionEvent
    ) -> TransactionEventRecorded:
        """2.0.1 TransactionEvent: Started, Updated and Ended through one path."""
        async with self._uow() as uow:
            session = await uow.sessions.by_transaction(
                command.station_id, command.transaction_id, for_update=True
            )
            starting = session is None and command.kind is not TransactionEventKind.ENDED
            authorization = await self._maybe_authorize(
                uow,
                command.station_id,
                command.evse_id,
                command.id_token,
                "start" if starting else "member",
            )
            fresh = await uow.sessions.record_event_seq(
                command.station_id,
                command.transaction_id,
                command.seq_no,
                command.kind.value,
                command.trigger_reason,
                command.timestamp,
                command.offline,
            )
            if not fresh:
                total = None
                if session is not None and command.kind is TransactionEventKind.ENDED:
                    total = await issued_total(uow, session.session_id)
                return TransactionEventRecorded(authorization, True, session, total)
            if session is None and command.kind is TransactionEventKind.ENDED:
                await self._keep_unmatched_event(uow, command)
                return TransactionEventRecorded(authorization, replayed=False, session=None)
            if session is None:
                session = await self._open_from_event(uow, command, authorization)
            else:
                await self._progress(uow, session, command, authorization)
            await _store_samples(
                uow,
                command.station_id,
                session.evse_id,
                command.transaction_id,
                session.session_id,
                command.samples,
            )
            total = None
            if command.kind is TransactionEventKind.ENDED and session.state is SessionState.ACTIVE:
                total = await self._end_from_event(uow, session, command)
        return TransactionEventRecorded(authorization, False, session, total)

    async def _open_from_event(
        self,
        uow: UnitOfWork,
        command: RecordTransactionEvent,
        authorization: AuthorizationResult | None,
    ) -> Session:
        session_id = uuid.uuid4()
        remote_start_id = None
        if command.id_token is not None:
            remote_start_id = await self._claim_remote_start(
                uow,
                command.station_id,
                command.id_token.value,
                command.remote_start_id,
                session_id,
            )
        session = Session(
            session_id=session_id,
            station_id=command.station_id,
            evse_id=command.evse_id or 0,
            connector_id=command.connector_id or 1,
            transaction_id=command.transaction_id,
            ocpp_version=command.ocpp_version,
            id_token=command.id_token.value if command.id_token else None,
            token_kind=command.id_token.kind if command.id_token else None,
            authorization_status=authorization.status if authorization else None,
            started_at=command.timestamp,
            stopped_at=None,
            meter_start_wh=register_reading(command.samples, _BEGIN, last=False),
            meter_stop_wh=None,
            energy_wh=None,
            stop_reason=None,
            state=SessionState.ACTIVE,
            offline=command.offline,
            last_seq_no=command.seq_no,
            visitor_id=authorization.visitor_id if authorization else None,
            remote_start_id=remote_start_id,
            flag=start_flag(authorization, offline=command.offline) if authorization else None,
        )
        await uow.sessions.insert(session, None)
        _log_started(session)
        return session

    async def _progress(
        self,
        uow: UnitOfWork,
        session: Session,
        command: RecordTransactionEvent,
        authorization: AuthorizationResult | None,
    ) -> None:
        """Record what an event adds to the session (the seqNo was kept with the event)."""
        meter_start = session.meter_start_wh
        if meter_start is None:
            meter_start = register_reading(command.samples, _BEGIN, last=False)
        changes = (
            meter_start != session.meter_start_wh
            or command.id_token is not None
            or (command.offline and not session.offline)
        )
        if not changes:  # most Updated events: one round trip saved
            return
        await uow.sessions.update_progress(
            session.session_id,
            meter_start_wh=meter_start,
            last_seq_no=None,
            offline=session.offline or command.offline,
            id_token=command.id_token.value if command.id_token else None,
            token_kind=command.id_token.kind if command.id_token else None,
            authorization_status=authorization.status if authorization else None,
        )

    async def _end_from_event(
        self, uow: UnitOfWork, session: Session, command: RecordTransactionEvent
    ) -> Decimal | None:
        meter_stop = register_reading(command.samples, _END, last=True)
        if meter_stop is None:  # the Ended event carried no register: use the last one stored
            meter_stop = register_reading(
                await uow.sessions.samples_of(session.session_id), _END, last=True
            )
        meter_start = session.meter_start_wh
        if meter_start is None:
            meter_start = register_reading(
                await uow.sessions.samples_of(session.session_id), _BEGIN, last=False
            )
        energy_wh = energy_delivered(meter_start, meter_stop)
        await uow.sessions.complete(
            session.session_id, command.timestamp, meter_stop, energy_wh, command.stopped_reason
        )
        total = await self._settlement.settle(uow, session, command.timestamp, energy_wh)
        _log_ended(session, energy_wh, command.stopped_reason)
        return total

    async def _authorize(
        self,
        uow: UnitOfWork,
        station_id: str,
        evse_id: int | None,
        token: IdToken,
        purpose: Purpose,
    ) -> AuthorizationResult:
        return await authorize(
            uow,
            station_id,
            evse_id,
            token,
            self._clock.now(),
            purpose=purpose,
            policy=self._policy,
        )

    async def _maybe_authorize(
        self,
        uow: UnitOfWork,
        station_id: str,
        evse_id: int | None,
        token: IdToken | None,
        purpose: Purpose,
    ) -> AuthorizationResult | None:
        if token is None:
            return None
        return await self._authorize(uow, station_id, evse_id, token, purpose)

    async def _claim_remote_start(
        self,
        uow: UnitOfWork,
        station_id: str,
        id_token: str,
        remote_start_id: int | None,
        session_id: uuid.UUID,
    ) -> int | None:
        """Link the session to the app start that asked for it (seed 002 第18条)."""
        since = self._clock.now() - REMOTE_START_MATCH_WINDOW
        return await uow.sessions.claim_remote_start(
            station_id, id_token, remote_start_id, since, session_id
        )

    async def _keep_unmatched_stop(self, uow: UnitOfWork, command: EndSession) -> None:
        await _store_samples(
            uow, command.station_id, None, command.transaction_id, None, command.samples
        )
        await uow.sessions.record_unmatched_stop(
            command.station_id,
            command.transaction_id,
            command.stopped_at,
            command.meter_stop_wh,
            command.reason,
            {"id_token": mask_token(command.id_token.value) if command.id_token else None},
        )
        log.warning(
            "stop_for_unknown_transaction",
            station_id=command.station_id,
            transaction_id=command.transaction_id,
        )

    async def _keep_unmatched_event(self, uow: UnitOfWork, command: RecordTransactionEvent) -> None:
        await _store_samples(
            uow, command.station_id, command.evse_id, command.transaction_id, None, command.samples
        )
        await uow.sessions.record_unmatched_stop(
            command.station_id,
            command.transaction_id,
            command.timestamp,
            register_reading(command.samples, _END, last=True),
            command.stopped_reason,
            {"seq_no": command.seq_no, "trigger_reason": command.trigger_reason},
        )
        log.warning(
            "stop_for_unknown_transaction",
            station_id=command.station_id,
            transaction_id=command.transaction_id,
        )


async def _store_samples(
    uow: UnitOfWork,
    station_id: str,
    evse_id: int | None,
    transaction_id: str | None,
    session_id: uuid.UUID | None,
    samples: Sequence[MeterSample],
) -> None:
    """Keep every sample, and every signed one also as a signed record."""
    await uow.sessions.add_samples(station_id, evse_id, transaction_id, session_id, samples)
    await keep_signed_samples(uow, station_id, transaction_id, session_id, samples)


def start_flag(authorization: AuthorizationResult, *, offline: bool) -> str | None:
    """A session started with a token we would refuse is kept and flagged, never rejected
    after the fact (the station may have started it offline from its local list)."""
    if authorization.accepted:
        return None
    where = "offline " if offline else ""
    return f"started {where}with a token the central system answers {authorization.status}"


def _log_started(session: Session) -> None:
    SESSIONS_STARTED.inc()
    log.info(
        "session_started",
        session_id=str(session.session_id),
        transaction_id=session.transaction_id,
        evse_id=session.evse_id,
        id_token=mask_token(session.id_token) if session.id_token else None,
        authorization_status=session.authorization_status,
    )


def _log_ended(session: Session, energy_wh: object, reason: str | None) -> None:
    SESSIONS_ENDED.inc()
    log.info(
        "session_ended",
        session_id=str(session.session_id),
        transaction_id=session.transaction_id,
        energy_wh=str(energy_wh),
        stop_reason=reason,
    )
