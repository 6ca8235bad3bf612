"""What a transaction event leaves behind besides its session: its seqNo and content in the
2.0.1 event log (E01-E15 seqNo), its samples and signed records, an unmatched 1.6 stop."""

from __future__ import annotations

from csms.charging import sessions
from csms.charging.commands import RecordTransactionEvent, TransactionEventKind
from csms.charging.models import Session
from csms.charging.ports import (
    ChargingUnitOfWork,
    PlainUpdate,
    SeqNoEntry,
    SeqNoOutcome,
    UnmatchedStop,
)
from csms.events import StopForUnknownTransaction, TransactionSeqNoReused
from csms.settlement.measurement import end_register
from csms.settlement.ports import SampleBatch
from csms.settlement.signed_data import keep_signed_samples


async def fresh(
    uow: ChargingUnitOfWork, event: RecordTransactionEvent, transaction_id: str
) -> bool:
    """Keep the event's seqNo and content; False when this very event was seen (a replay).
    Another event with a used seqNo is processed, flagged and reported."""
    outcome = await uow.transaction_log.record_event_seq(seq_entry(event, transaction_id))
    if outcome is SeqNoOutcome.REUSED:
        uow.record(
            TransactionSeqNoReused(
                event.station_id, transaction_id, event.seq_no or 0, event.kind.value
            )
        )
    return outcome is not SeqNoOutcome.REPLAY


def seq_entry(event: RecordTransactionEvent, transaction_id: str) -> SeqNoEntry:
    """The event's place in its transaction's log, with its content digest."""
    return SeqNoEntry(
        event.station_id,
        transaction_id,
        event.seq_no or 0,
        event.kind.value,
        event.trigger or "",
        event.timestamp,
        event.offline,
        sessions.event_digest(event),
    )


def plain_update(event: RecordTransactionEvent) -> PlainUpdate | None:
    """The event as a :class:`PlainUpdate` (group-committed), or None when it must take the
    full path: not an Updated event, a token to authorize, offline, or a signed or
    unreadable sample (kept as a signed record or flagged)."""
    if (
        event.kind is not TransactionEventKind.UPDATED
        or event.transaction_id is None
        or event.seq_no is None
        or event.id_token is not None
        or event.offline
        or event.meter_start_wh is not None
        or event.meter_stop_wh is not None
        or not all(sample.plain for sample in event.samples)
    ):
        return None
    entry = seq_entry(event, event.transaction_id)
    return PlainUpdate(entry, event.evse_id, event.connector_id, event.samples)


async def store_samples(
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


async def keep_unmatched(
    uow: ChargingUnitOfWork, event: RecordTransactionEvent, transaction_id: str
) -> None:
    """A 1.6 stop for a transaction id we never issued: its samples and the stop, kept."""
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
