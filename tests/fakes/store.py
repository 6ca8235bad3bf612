"""The in-memory database: every table a dict keyed like its primary key, and transactions.

What PostgreSQL does that callers can see is mirrored here: numeric comes back exact (a
positive exponent expanded, no negative zero), timestamptz comes back in UTC, jsonb comes
back through a JSON round trip (Decimals as text), ``now()`` is the transaction's start,
sequences and identities are never rolled back, and what the schema refuses raises an
``IntegrityViolation``. A transaction writes in place and keeps an undo log; a failed one
is undone in reverse order.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from csms.access.models import ApiKey, AuditEntry
from csms.administration.ports import Membership
from csms.authorization.models import AccountRecord, Stand, TokenRecord, Visitor
from csms.charging.models import Session
from csms.charging.ports import SeqNoEntry, UnmatchedStop
from csms.events import EVENT_TYPES, DomainEvent, from_payload, to_payload
from csms.settlement.models import (
    Metering,
    MeterRecord,
    MeterSample,
    PricingTerms,
    SignedRecord,
    Statement,
)
from csms.stations.models import ConnectorStatus, Station, StationEvent

T = TypeVar("T")
_MISSING: Any = object()


class IntegrityViolation(Exception):
    """A write PostgreSQL's schema would refuse (asyncpg raises an IntegrityConstraintViolation)."""


class UniqueViolation(IntegrityViolation):
    pass


class ForeignKeyViolation(IntegrityViolation):
    pass


class CheckViolation(IntegrityViolation):
    pass


class NotNullViolation(IntegrityViolation):
    pass


def numeric(value: Decimal | None) -> Decimal | None:
    """A Decimal as PostgreSQL's numeric returns it: ``1E+3`` is ``1000``, ``-0`` is ``0``."""
    if value is None or not value.is_finite():
        return value
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1))
    return value.copy_abs() if value.is_zero() else value


def utc(value: datetime | None) -> datetime | None:
    """A timestamptz as asyncpg returns it: the same instant in UTC."""
    return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value


def stored(row: T) -> T:
    """A frozen dataclass with its timestamps and numerics as PostgreSQL gives them back."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(row):  # type: ignore[arg-type]
        value = getattr(row, field.name)
        if isinstance(value, datetime):
            changes[field.name] = utc(value)
        elif isinstance(value, Decimal):
            changes[field.name] = numeric(value)
    return dataclasses.replace(row, **changes) if changes else row  # type: ignore[type-var]


def _json_text(value: Any) -> str:
    """As ``csms.storage.pool`` encodes jsonb: Decimals as exact text, the rest as repr."""
    return json.dumps(
        value, default=lambda v: str(v) if isinstance(v, Decimal) else repr(v), ensure_ascii=False
    )


def jsonb(value: Any) -> Any:
    """A value after a round trip through a jsonb column."""
    return json.loads(_json_text(value))


@dataclass(frozen=True, slots=True)
class StationRow:
    station: Station
    password_hash: str | None = None
    connected_at: datetime | None = None
    operator_id: str | None = None
    local_list_version: int | None = None


@dataclass(frozen=True, slots=True)
class OperatorRow:
    operator_id: str
    name: str
    local_list_version: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TouchWindow:
    visitor_id: UUID
    stand_id: str
    station_id: str
    evse_id: int
    opened_at: datetime
    closes_at: datetime
    id_token: str | None = None
    touched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VisitorPassword:
    visitor_id: UUID
    station_id: str
    code_hash: str
    issued_at: datetime
    expires_at: datetime
    authorized_at: datetime | None = None
    consumed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Mail:
    message_id: int
    kind: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RemoteStartRow:
    remote_start_id: int
    station_id: str
    evse_id: int
    id_token: str
    account_id: str | None
    requested_at: datetime
    session_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class SessionRow:
    session: Session
    start_key: str | None


@dataclass(frozen=True, slots=True)
class SampleRow:
    sample_id: int
    session_id: UUID | None
    station_id: str
    evse_id: int | None
    transaction_id: str | None
    sample: MeterSample


class InMemoryStore:
    """All data of the central system in dicts; ``events`` is what units of work committed."""

    def __init__(self) -> None:
        self.stations: dict[str, StationRow] = {}
        self.connectors: dict[tuple[str, int, int], ConnectorStatus] = {}
        self.station_events: dict[int, StationEvent] = {}
        self.operators: dict[str, OperatorRow] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.accounts: dict[str, AccountRecord] = {}
        self.list_changes: dict[tuple[str, int, str], None] = {}
        self.stands: dict[str, Stand] = {}
        self.visitors: dict[UUID, Visitor] = {}
        self.touch_windows: dict[UUID, TouchWindow] = {}
        self.visitor_passwords: dict[UUID, VisitorPassword] = {}
        self.mail: dict[int, Mail] = {}
        self.remote_starts: dict[int, RemoteStartRow] = {}
        self.sessions: dict[UUID, SessionRow] = {}
        self.samples: dict[int, SampleRow] = {}
        self.sample_keys: dict[tuple[Any, ...], int] = {}  # the meter_samples_once index
        self.transaction_events: dict[tuple[str, str, int], SeqNoEntry] = {}
        # events with a used seqNo and other content: (station, transaction, seqNo, digest)
        self.reused_events: dict[tuple[str, str, int, str], SeqNoEntry] = {}
        self.seq_no_gaps: dict[tuple[str, str, int], datetime] = {}
        # sessions.interrupt_pending_at, with what was heard of the session by then
        self.interrupt_pending: dict[UUID, tuple[datetime, int, int]] = {}
        self.unmatched_stops: dict[tuple[str, str], UnmatchedStop] = {}
        self.statements: dict[UUID, Statement] = {}
        self.reservation_uses: dict[tuple[str, int], UUID] = {}
        self.pricing_terms: dict[UUID, PricingTerms] = {}  # what a test says prices a session
        self.memberships: dict[str, Membership] = {}  # without members (fakes/memberships.py)
        self.membership_members: dict[tuple[str, str], datetime] = {}
        self.tariff_ids: set[str] = set()  # stored tariffs and sites: what memberships may
        self.tariff_sites: set[str] = set()  # name (the tariff store is no unit of work's)
        self.meters: dict[str, MeterRecord] = {}
        self.signed_records: dict[int, SignedRecord] = {}
        self.metering: dict[UUID, Metering] = {}
        self.api_keys: dict[str, tuple[ApiKey, str]] = {}  # name -> key, secret digest
        self.app_token_digests: dict[str, str] = {}  # account id -> digest
        self.audit: dict[int, AuditEntry] = {}
        self.events: list[DomainEvent] = []
        self.display_settings: dict[str, Any] = {}  # station -> DisplaySettings
        self.delivered_events: set[int] = set()  # 1-based positions in ``events``
        self.transaction_ids = itertools.count(1)  # transaction_id_seq
        self._identities: dict[str, itertools.count[int]] = {}
        self._last_now = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The database's ``now()``: wall-clock time, strictly increasing here."""
        self._last_now = max(datetime.now(UTC), self._last_now + timedelta(microseconds=1))
        return self._last_now

    def next_id(self, table: str) -> int:
        """The next value of a table's identity column (never rolled back)."""
        return next(self._identities.setdefault(table, itertools.count(1)))

    def publish(self, events: list[DomainEvent]) -> None:
        """Committed events, as the outbox gives them back after its JSON round trip."""
        for event in events:
            if event.kind in EVENT_TYPES:
                event = from_payload(event.kind, jsonb(to_payload(event)))
            self.events.append(event)


class Transaction:
    """Writes go straight to the store; an atomic one keeps an undo log and one ``now()``."""

    def __init__(self, store: InMemoryStore, *, atomic: bool) -> None:
        self.store = store
        self.atomic = atomic
        self._started_at = store.now()
        self._undo: list[tuple[dict[Any, Any], Any, Any]] = []

    def now(self) -> datetime:
        """``now()`` is the transaction's start; without one, each statement's own."""
        return self._started_at if self.atomic else self.store.now()

    def put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if self.atomic:
            self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def delete(self, table: dict[Any, Any], key: Any) -> None:
        if key not in table:
            return
        if self.atomic:
            self._undo.append((table, key, table[key]))
        del table[key]

    def rollback(self) -> None:
        for table, key, old in reversed(self._undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self._undo.clear()

    def require(self, table: dict[Any, Any], key: Any, what: str) -> None:
        """A foreign key: ``key`` (unless None) must be a row of ``table``."""
        if key is not None and key not in table:
            raise ForeignKeyViolation(f"{what} {key!r} does not exist")
