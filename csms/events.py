"""Domain events: facts the capabilities record, delivered after their transaction commits.

A use case records events on its unit of work (``uow.record(event)``); the unit of work
writes them to the outbox table in the same transaction, and the relay
(``csms.workers.relay``) hands them to in-process subscribers (metrics and logs in
``csms.observability``, mail, local-list pushes), at least once and in order per station.
Subscribers therefore must be idempotent.

Every event is a frozen dataclass with plain fields (str, int, bool, None, Decimal as
text) so that it survives the outbox's JSON round trip unchanged: ``to_payload`` and
``from_payload`` are exact inverses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of every event: ``station_id`` orders delivery (None: not tied to a station)."""

    kind: ClassVar[str] = "event"
    station_id: str | None


@dataclass(frozen=True, slots=True)
class StationBooted(DomainEvent):
    kind: ClassVar[str] = "station_booted"
    accepted: bool
    vendor: str | None
    model: str | None


@dataclass(frozen=True, slots=True)
class SessionStarted(DomainEvent):
    kind: ClassVar[str] = "session_started"
    session_id: str
    transaction_id: str
    evse_id: int | None
    id_token_masked: str | None
    authorization_status: str | None


@dataclass(frozen=True, slots=True)
class SessionUpdated(DomainEvent):
    kind: ClassVar[str] = "session_updated"
    session_id: str
    transaction_id: str


@dataclass(frozen=True, slots=True)
class SessionEnded(DomainEvent):
    kind: ClassVar[str] = "session_ended"
    session_id: str
    transaction_id: str
    energy_wh: str | None
    stop_reason: str | None


@dataclass(frozen=True, slots=True)
class StopForUnknownTransaction(DomainEvent):
    kind: ClassVar[str] = "stop_for_unknown_transaction"
    transaction_id: str


@dataclass(frozen=True, slots=True)
class StatementIssued(DomainEvent):
    """A statement was stored: ``status`` issued, unpriced or needs_review."""

    kind: ClassVar[str] = "statement_issued"
    session_id: str
    statement_id: str
    status: str
    tariff_id: str | None
    total: str | None
    reason_code: str | None
    reason: str | None
    visitor_id: str | None
    correction: bool


@dataclass(frozen=True, slots=True)
class MeterVerificationFailed(DomainEvent):
    kind: ClassVar[str] = "meter_verification_failed"
    session_id: str
    meter_serial: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class SignedRecordKept(DomainEvent):
    kind: ClassVar[str] = "signed_record_kept"
    carrier: str
    parsed: bool
    parse_error: str | None


@dataclass(frozen=True, slots=True)
class CardChanged(DomainEvent):
    """A card (id token) was added, changed or blocked for an operator's stations."""

    kind: ClassVar[str] = "card_changed"
    operator_id: str | None
    id_token_masked: str


@dataclass(frozen=True, slots=True)
class LocalListPushed(DomainEvent):
    kind: ClassVar[str] = "local_list_pushed"
    version: int
    full: bool
    entries: int


@dataclass(frozen=True, slots=True)
class LocalListRefused(DomainEvent):
    kind: ClassVar[str] = "local_list_refused"
    status: str


@dataclass(frozen=True, slots=True)
class LocalListPushFailed(DomainEvent):
    kind: ClassVar[str] = "local_list_push_failed"
    reason: str


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.kind: cls
    for cls in (
        StationBooted,
        SessionStarted,
        SessionUpdated,
        SessionEnded,
        StopForUnknownTransaction,
        StatementIssued,
        MeterVerificationFailed,
        SignedRecordKept,
        CardChanged,
        LocalListPushed,
        LocalListRefused,
        LocalListPushFailed,
    )
}


def to_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's fields as JSON-ready values (``station_id`` included)."""
    return dataclasses.asdict(event)


def from_payload(kind: str, payload: dict[str, Any]) -> DomainEvent:
    """Rebuild an event read back from the outbox.

    Raises:
        KeyError: ``kind`` names no known event.
    """
    return EVENT_TYPES[kind](**payload)
