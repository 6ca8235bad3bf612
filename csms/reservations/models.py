"""Reservations, reservation policies and what the clock decides (seed 002 第10-12条)."""

from __future__ import annotations

import enum
from datetime import datetime, time
from decimal import Decimal
from uuid import UUID

from csms.records import frozen


class ReservationStatus(enum.StrEnum):
    """Where a reservation is: ``scheduled`` until the station accepted ReserveNow (``active``);
    ``used`` once its member's session started in it; the rest are final."""

    SCHEDULED = "scheduled"
    ACTIVE = "active"
    USED = "used"
    CANCELLED = "cancelled"  # cancelled before its start: free (第11条)
    EXPIRED = "expired"  # ended unused while the station never held it (offline): no fee
    NO_SHOW = "no_show"  # no charging in the window, or cancelled after its start (第11条)
    NOT_HONOURED = "not_honoured"  # the station refused or dropped it: no fee (第10条)


LIVE: frozenset[ReservationStatus] = frozenset(
    {ReservationStatus.SCHEDULED, ReservationStatus.ACTIVE, ReservationStatus.USED}
)


class CancelledBy(enum.StrEnum):
    MEMBER = "member"
    OPERATOR = "operator"


@frozen
class ReservationPolicy:
    """Whether and how a station can be reserved (第10条: 充電サービス事業者が予約可能な充電器として
    設定をした場合に限り、予約枠内で). Times are JST; fees tax-included yen."""

    station_id: str
    reservable: bool
    evse_ids: tuple[int, ...] | None = None  # None: every EVSE
    slot_minutes: int = 30
    max_slots: int = 8
    max_days_ahead: int = 14
    opens_at: time | None = None  # None: open all day
    closes_at: time | None = None
    no_show_fee: Decimal = Decimal(0)
    extension_fee_per_minute: Decimal = Decimal(0)


@frozen
class Reservation:
    reservation_id: UUID
    ocpp_reservation_id: int
    station_id: str
    evse_id: int | None  # None: any EVSE (1.6 connector 0)
    connector_type: str | None
    account_id: str | None
    id_token: str
    id_token_kind: str
    starts_at: datetime
    ends_at: datetime
    status: ReservationStatus
    no_show_fee: Decimal
    extension_fee_per_minute: Decimal
    session_id: UUID | None = None
    station_answer: str | None = None
    cancelled_by: str | None = None
    held_by_station: bool = False
    cancel_sent: bool = False
    power_cut: str | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None


@frozen
class NewReservation:
    """What a member or an operator asks for; the service checks it against the policy."""

    station_id: str
    starts_at: datetime
    ends_at: datetime
    evse_id: int | None = None
    connector_type: str | None = None
    id_token: str | None = None
    account_id: str | None = None
