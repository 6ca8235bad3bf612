"""Domain events: facts the capabilities record, delivered after their transaction commits.

A use case records events on its unit of work (``uow.record(event)``); the unit of work
writes them to the outbox table in the same transaction, and the relay
(``csms.workers.relay``) hands them to in-process subscribers (metrics and logs in
``csms.observability``, mail, local-list pushes), at least once and in order per station.
Subscribers therefore must be idempotent.

Every event is a frozen dataclass with plain fields (str, int, bool, None, Decimal as
text) so that it survives the outbox's JSON round trip unchanged: ``to_payload`` and
``from_payload`` are exact inverses. Each event's ``kind`` is stored with it in the outbox,
so a kind, once used, never changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform

from csms.records import frozen


@frozen
class DomainEvent:
    """Base of every event: ``station_id`` orders delivery (None: not tied to a station)."""

    kind: ClassVar[str] = "event"
    station_id: str | None


EVENT_TYPES: dict[str, type[DomainEvent]] = {}

_Event = TypeVar("_Event", bound=DomainEvent)


@dataclass_transform(frozen_default=True)
def event(kind: str) -> Callable[[type[_Event]], type[_Event]]:
    """Make the class a frozen event dataclass stored under ``kind`` (and known by it)."""

    def register(cls: type[_Event]) -> type[_Event]:
        made = frozen(cls)
        made.kind = kind
        EVENT_TYPES[kind] = made
        return made

    return register


@frozen
class SessionEvent(DomainEvent):
    """Base of the events of one session: ours (``session_id``) and the station's id."""

    session_id: str
    transaction_id: str


@event("station_booted")
class StationBooted(DomainEvent):
    accepted: bool
    vendor: str | None
    model: str | None


@event("session_started")
class SessionStarted(SessionEvent):
    evse_id: int | None
    id_token_masked: str | None
    authorization_status: str | None


@event("session_updated")
class SessionUpdated(SessionEvent):
    pass


@event("session_ended")
class SessionEnded(SessionEvent):
    energy_wh: str | None
    stop_reason: str | None


@event("transaction_seq_no_reused")
class TransactionSeqNoReused(DomainEvent):
    """A TransactionEvent with another event's seqNo (a restarted counter): kept, flagged."""

    transaction_id: str
    seq_no: int
    event_type: str


@event("stop_for_unknown_transaction")
class StopForUnknownTransaction(DomainEvent):
    transaction_id: str


@event("statement_issued")
class StatementIssued(DomainEvent):
    """A statement was stored: ``status`` issued, unpriced or needs_review."""

    session_id: str
    statement_id: str
    status: str
    tariff_id: str | None
    total: str | None
    reason_code: str | None
    reason: str | None
    visitor_id: str | None
    correction: bool


@event("meter_verification_failed")
class MeterVerificationFailed(DomainEvent):
    session_id: str
    meter_serial: str
    code: str
    reason: str


@event("signed_record_kept")
class SignedRecordKept(DomainEvent):
    carrier: str
    parsed: bool
    parse_error: str | None


@event("card_changed")
class CardChanged(DomainEvent):
    """A card (id token) was added, changed or blocked for an operator's stations."""

    operator_id: str | None
    id_token_masked: str


@event("local_list_pushed")
class LocalListPushed(DomainEvent):
    version: int
    full: bool
    entries: int


@event("local_list_refused")
class LocalListRefused(DomainEvent):
    status: str


@event("local_list_push_failed")
class LocalListPushFailed(DomainEvent):
    reason: str


def to_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's fields as JSON-ready values (``station_id`` included)."""
    return dataclasses.asdict(event)


def from_payload(kind: str, payload: dict[str, Any]) -> DomainEvent:
    """Rebuild an event read back from the outbox.

    Raises:
        KeyError: ``kind`` names no known event.
    """
    return EVENT_TYPES[kind](**payload)


@event("reservation_changed")
class ReservationChanged(DomainEvent):
    """A reservation reached a new status (seed 002 第10-12条); ``fee`` the penalty's total
    when a no-show statement was issued."""

    reservation_id: str
    status: str
    account_id: str | None
    detail: str | None = None
    fee: str | None = None


@event("charging_profile_ignored")
class ChargingProfileIgnored(DomainEvent):
    """A station drew clearly more than a limit it had Accepted: the profile was not applied."""

    evse_id: int
    limit_w: str
    measured_w: str


@event("invoice_issued")
class InvoiceIssued(DomainEvent):
    """A contract's monthly invoice was issued (seed 003; ``correction``: it corrects one)."""

    invoice_id: str
    contract_id: str
    month: str
    amount_due: str
    correction: bool


@event("payment_changed")
class PaymentChanged(DomainEvent):
    """A payment's state changed (seed 001): ``state`` open (a link sent), paid, failed,
    expired, cancelled, or carried_over (its amount taken into a later invoice)."""

    transaction_id: str
    invoice_id: str
    contract_id: str
    method: str
    state: str
    amount: str
