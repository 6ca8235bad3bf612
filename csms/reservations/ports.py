"""Ports of reservations: the reservations and policies, and what they need of accounts and
sessions (seed 002 第7条, 第10-12条)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from csms.authorization.ports import MailOutbox
from csms.charging.ports import ChargingUnitOfWork
from csms.records import frozen
from csms.reservations.models import Reservation, ReservationPolicy, ReservationStatus
from csms.settlement.ports import StatementRepository


@frozen
class ReservationQuery:
    """``GET /api/reservations`` filters (all optional), newest first."""

    station_id: str | None = None
    account_id: str | None = None
    status: ReservationStatus | None = None
    limit: int = 100


@frozen
class ReservationChange:
    """The columns one step of a reservation's life sets (None: left as it is)."""

    status: ReservationStatus | None = None
    ends_at: datetime | None = None
    session_id: UUID | None = None
    station_answer: str | None = None
    cancelled_by: str | None = None
    held_by_station: bool | None = None
    cancel_sent: bool | None = None
    power_cut: str | None = None
    ended_at: datetime | None = None


@frozen
class ChargedSession:
    """A session at the reserved station that may be the member's use of the window."""

    session_id: UUID
    evse_id: int | None
    transaction_id: str
    id_token: str | None
    started_at: datetime
    active: bool
    account_id: str | None = None  # the account of the token it started with


@frozen
class MemberCard:
    """The token a station will see for an account: a card, else its app's Central token."""

    id_token: str
    kind: str


class ReservationRepository(Protocol):
    async def policy(self, station_id: str) -> ReservationPolicy | None: ...
    async def save_policy(self, policy: ReservationPolicy) -> None: ...
    async def add(self, reservation: Reservation) -> Reservation: ...
    async def get(
        self, reservation_id: UUID, *, for_update: bool = False, scope: str | None = None
    ) -> Reservation | None: ...
    async def search(self, query: ReservationQuery, scope: str | None) -> list[Reservation]: ...
    async def update(self, reservation_id: UUID, change: ReservationChange) -> None: ...
    async def extend(self, reservation: Reservation, end: datetime) -> None: ...
    async def due(self, now: datetime, lead: timedelta, limit: int) -> list[Reservation]: ...
    async def sessions_in(self, reservation: Reservation) -> list[ChargedSession]: ...
    async def last_ended(self, station_id: str, evse_id: int | None) -> Reservation | None: ...
    async def by_ocpp_id(self, station_id: str, ocpp_reservation_id: int) -> Reservation | None: ...
    async def use(
        self, station_id: str, ocpp_reservation_id: int, session_id: UUID, at: datetime
    ) -> bool: ...


class ReservationAccounts(Protocol):
    """What reservations need of member accounts (第7条, 第11条)."""

    async def operator_of_account(self, account_id: str) -> str | None: ...
    async def account_status(self, account_id: str) -> str | None: ...
    async def app_tag_of(self, account_id: str) -> str | None: ...
    async def token_owner(self, id_token: str) -> str | None: ...
    async def card_of(self, account_id: str) -> MemberCard | None: ...
    async def station_operator(self, station_id: str) -> tuple[bool, str | None]: ...
    async def email_of(self, account_id: str) -> str | None: ...
    async def offences(self, account_id: str, since: datetime) -> int: ...
    async def suspended_since(self, account_id: str) -> datetime | None: ...
    async def suspend(self, account_id: str, at: datetime, reason: str) -> None: ...
    async def lift(self, account_id: str, at: datetime) -> bool: ...
    async def open_commitments(self, account_id: str) -> tuple[int, int]: ...


class ReservationsUnitOfWork(ChargingUnitOfWork, Protocol):
    reservations: ReservationRepository
    reservation_accounts: ReservationAccounts
    statements: StatementRepository
    mail: MailOutbox
