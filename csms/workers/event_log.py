"""The subscriber that turns domain events into log lines and metrics (style.md §10).

The capabilities import no logging or metrics backend: they record events, and this is
where an operator's log lines (``session_started``, ``statement_held``, ...) and the
``csms_*`` counters come from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import structlog

from csms import events
from csms.observability import (
    CHARGING_PROFILES_IGNORED,
    INVOICES_ISSUED,
    METER_VERIFICATION_FAILURES,
    PAYMENTS,
    RESERVATIONS,
    SEQ_NO_REUSED,
    SESSIONS_ENDED,
    SESSIONS_ENDED_OTHERWISE,
    SESSIONS_STARTED,
    SESSIONS_UNPRICED,
    SIGNED_RECORDS,
    STATEMENTS_HELD,
    STATEMENTS_ISSUED,
)

log = structlog.get_logger("csms.events")


def _ids(event: Any, *names: str) -> dict[str, Any]:
    """The log fields that say where: the event's station id and the other ids named."""
    return {name: getattr(event, name) for name in ("station_id", *names)}


def _session_line(event: Any, **fields: Any) -> None:
    """The log line of a session event, named by its kind, with the session's ids."""
    log.info(event.kind, **_ids(event, "session_id", "transaction_id"), **fields)


def _session_started(event: Any) -> None:
    SESSIONS_STARTED.inc()
    _session_line(
        event,
        evse_id=event.evse_id,
        id_token=event.id_token_masked,
        authorization_status=event.authorization_status,
    )


_ENDED_OTHERWISE: Final = ("superseded", "interrupted", "closed_by_operator")


def _session_ended(event: Any) -> None:
    SESSIONS_ENDED.inc()
    _session_line(event, energy_wh=event.energy_wh, stop_reason=event.stop_reason)
    if event.stop_reason in _ENDED_OTHERWISE:  # charging.endings: the station did not end it
        SESSIONS_ENDED_OTHERWISE.labels(event.stop_reason).inc()
        log.warning("session_ended_otherwise", **_ids(event, "session_id"), kind=event.stop_reason)


def _seq_no_reused(event: Any) -> None:
    SEQ_NO_REUSED.inc()
    log.warning(
        "transaction_seq_no_reused",
        **_ids(event, "transaction_id"),
        seq_no=event.seq_no,
        event_type=event.event_type,
    )


def _statement_issued(event: Any) -> None:
    where = _ids(event, "session_id")
    if event.correction:  # the counters count sessions' original statements, as they always did
        log.info("statement_corrected", **where, status=event.status, total=event.total)
        return
    STATEMENTS_ISSUED.labels(event.status).inc()
    if event.status == "needs_review":
        STATEMENTS_HELD.labels(event.reason_code).inc()
        log.warning("statement_held", **where, review_reason=event.reason_code, reason=event.reason)
    elif event.status == "unpriced":
        SESSIONS_UNPRICED.labels(event.reason_code).inc()
        log.warning("session_unpriced", **where, reason=event.reason)
    else:
        log.info("statement_issued", **where, tariff_id=event.tariff_id, total=event.total)


def _meter_verification_failed(event: Any) -> None:
    METER_VERIFICATION_FAILURES.labels(event.code).inc()
    log.warning(
        "meter_verification_failed",
        **_ids(event, "session_id"),
        meter=event.meter_serial,
        reason=f"{event.code}: {event.reason}",
    )


def _signed_record_kept(event: Any) -> None:
    SIGNED_RECORDS.labels("parsed" if event.parsed else "malformed").inc()
    if not event.parsed:
        log.warning(
            "signed_record_malformed",
            **_ids(event),
            carrier=event.carrier,
            reason=event.parse_error,
        )


def _stop_for_unknown_transaction(event: Any) -> None:
    log.warning("stop_for_unknown_transaction", **_ids(event, "transaction_id"))


def _reservation_changed(event: Any) -> None:
    fields = {k: v for k, v in events.to_payload(event).items() if k != "station_id"}
    RESERVATIONS.labels(event.status).inc()
    log.info("reservation_changed", station_id=event.station_id, **fields)


def _profile_ignored(event: Any) -> None:
    CHARGING_PROFILES_IGNORED.inc()
    log.warning(
        "charging_profile_ignored",
        station_id=event.station_id,
        evse_id=event.evse_id,
        limit_w=event.limit_w,
        measured_w=event.measured_w,
    )


def _invoice_issued(event: Any) -> None:
    INVOICES_ISSUED.labels("correction" if event.correction else "original").inc()
    log.info("invoice_issued", **events.to_payload(event))


def _payment_changed(event: Any) -> None:
    PAYMENTS.labels(event.state).inc()
    level = log.warning if event.state in ("failed", "expired") else log.info
    level("payment_changed", **events.to_payload(event))


def _local_list(event: Any) -> None:
    fields = {k: v for k, v in events.to_payload(event).items() if k != "station_id"}
    level = log.info if isinstance(event, events.LocalListPushed) else log.warning
    level(event.kind, station_id=event.station_id, **fields)


_HANDLERS: Final[dict[type[events.DomainEvent], Callable[[Any], None]]] = {
    events.SessionStarted: _session_started,
    events.SessionEnded: _session_ended,
    events.StatementIssued: _statement_issued,
    events.MeterVerificationFailed: _meter_verification_failed,
    events.SignedRecordKept: _signed_record_kept,
    events.StopForUnknownTransaction: _stop_for_unknown_transaction,
    events.TransactionSeqNoReused: _seq_no_reused,
    events.LocalListPushed: _local_list,
    events.LocalListRefused: _local_list,
    events.LocalListPushFailed: _local_list,
    events.ReservationChanged: _reservation_changed,
    events.ChargingProfileIgnored: _profile_ignored,
    events.InvoiceIssued: _invoice_issued,
    events.PaymentChanged: _payment_changed,
}


def log_and_count(event: events.DomainEvent) -> None:
    """Subscriber: one log line and the matching counters per event (others: nothing)."""
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(event)
