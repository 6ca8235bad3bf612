"""Ports of the authorization capability: cards, accounts, stands, visitors, their mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from csms.authorization.models import AccountRecord, Stand, TokenRecord, Visitor
from csms.ports import EventRecorder
from csms.records import frozen


@dataclass(frozen=True, slots=True)
class MemberView:
    """What every authorization reads first, in one round trip: the card, its account, the
    station's operator, and whether any visit could apply at the station now (a touch
    window open or touched since ``since``, or a live one-time password)."""

    token: TokenRecord | None
    account: AccountRecord | None
    station_operator: str | None
    visits_possible: bool


class TokenRepository(Protocol):
    async def get(self, id_token: str) -> TokenRecord | None: ...
    async def upsert(self, record: TokenRecord) -> None: ...
    async def app_tag_of(self, account_id: str) -> str | None: ...
    async def member_view(
        self, id_token: str, station_id: str, now: datetime, since: datetime
    ) -> MemberView: ...


class AccountRepository(Protocol):
    async def get(self, account_id: str) -> AccountRecord | None: ...
    async def upsert(self, account: AccountRecord) -> None: ...
    async def touch(self, account_id: str, at: datetime) -> None: ...
    async def deactivate(self, account_id: str) -> None: ...
    async def add_operator(self, operator_id: str, name: str) -> None: ...


class StandRepository(Protocol):
    async def get(self, stand_id: str) -> Stand | None: ...
    async def add(self, stand: Stand) -> None: ...


@frozen
class VisitProgress:
    """A visit as its page shows it: the touch window (None at a password stand), whether a
    card was touched, the visit's latest session and its statement's total."""

    stand_id: str
    closes_at: datetime | None
    touched_at: datetime | None
    session_state: str | None
    total: Decimal | None
    password_expires_at: datetime | None = None
    password_used_at: datetime | None = None


class VisitorRepository(Protocol):
    async def add(self, visitor: Visitor) -> None: ...
    async def get(self, visitor_id: UUID) -> Visitor | None: ...
    async def open_window_at(self, stand_id: str, now: datetime) -> datetime | None: ...
    async def open_window(
        self, visitor_id: UUID, stand: Stand, opened_at: datetime, closes_at: datetime
    ) -> None: ...
    async def touch_open_window(
        self, station_id: str, evse_id: int | None, id_token: str, now: datetime
    ) -> UUID | None: ...
    async def bound_window(
        self, station_id: str, id_token: str, since: datetime
    ) -> UUID | None: ...
    async def progress(self, visitor_id: UUID) -> VisitProgress | None:
        """Where the visit stands (its window, the card touched, its session)."""
        ...


@dataclass(frozen=True, slots=True)
class IssuedPassword:
    """A visitor's one-time password for a station, stored as its hash."""

    visitor_id: UUID
    station_id: str
    code_hash: str
    issued_at: datetime
    expires_at: datetime


class VisitorPasswordRepository(Protocol):
    async def in_use(self, station_id: str, code_hash: str, now: datetime) -> bool: ...
    async def add(self, password: IssuedPassword) -> None: ...
    async def use(
        self, station_id: str, code_hash: str, now: datetime, *, consume: bool
    ) -> UUID | None: ...


class MailOutbox(Protocol):
    """Mail to send (delivered by a worker); kept in the same transaction as its cause."""

    async def add(self, kind: str, recipient: str, subject: str, body: str) -> None: ...


class AuthorizationUnitOfWork(EventRecorder, Protocol):
    """What the one authorization rule reads and marks (card, account, visits)."""

    tokens: TokenRepository
    accounts: AccountRepository
    visitors: VisitorRepository
    visitor_passwords: VisitorPasswordRepository


class VisitorsUnitOfWork(AuthorizationUnitOfWork, Protocol):
    stands: StandRepository
    mail: MailOutbox
