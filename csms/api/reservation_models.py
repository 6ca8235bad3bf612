"""The reservation API's bodies and answers (``csms.api.reservations``): fees are
tax-included yen as strings or integers, never floats; times ISO 8601 with an offset."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from csms.api.parsing import (
    Identifier,
    Moment,
    OptionalCount,
    OptionalIdentifier,
    OptionalTokenId,
    RequestBody,
    limit_between,
    member_of,
)
from csms.reservations.models import Reservation, ReservationPolicy, ReservationStatus


def _yen(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("a fee is a string or an integer of yen, never a float")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"a fee is a number of yen, not {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("a fee is zero or more yen")
    return amount


def _clock_time(value: object) -> time | None:
    if value is None:
        return None
    try:
        found = time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"a time of day is HH:MM, not {value!r}") from None
    if found.tzinfo is not None:
        raise ValueError("opening hours are JST times of day without an offset, e.g. 08:00")
    return found


Yen = Annotated[Decimal, BeforeValidator(_yen)]
ClockTime = Annotated[time | None, BeforeValidator(_clock_time)]


class ReservationRequest(RequestBody):
    station_id: Identifier
    evse_id: OptionalCount = None
    connector_type: OptionalIdentifier = None
    start: Moment
    end: Moment
    id_token: OptionalTokenId = None
    account_id: OptionalIdentifier = None


class EndChange(RequestBody):
    end: Moment


class PolicyChange(RequestBody):
    reservable: bool
    evse_ids: list[Annotated[int, Field(ge=1)]] | None = None
    slot_minutes: Annotated[int, Field(ge=1, le=1440)] = 30
    max_slots: Annotated[int, Field(ge=1, le=96)] = 8
    max_days_ahead: Annotated[int, Field(ge=0, le=365)] = 14
    opens_at: ClockTime = None
    closes_at: ClockTime = None
    no_show_fee: Yen = Decimal(0)
    extension_fee_per_minute: Yen = Decimal(0)

    @model_validator(mode="after")
    def _whole(self) -> PolicyChange:
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValueError("opens_at and closes_at are given together (or neither)")
        if self.no_show_fee != self.no_show_fee.to_integral_value():
            raise ValueError("no_show_fee is whole yen")
        return self


class ReservationFilter(BaseModel):
    station_id: str | None = None
    account_id: str | None = None
    status: Annotated[ReservationStatus | None, member_of(ReservationStatus)] = None
    limit: Annotated[int, limit_between(1, 500, "limit must be an integer")] = 100


class ReservationOut(BaseModel):
    reservation_id: UUID
    ocpp_reservation_id: int
    station_id: str
    evse_id: int | None
    connector_type: str | None
    account_id: str | None
    id_token: str
    start: datetime
    end: datetime
    status: str
    no_show_fee: str
    extension_fee_per_minute: str
    session_id: UUID | None
    station_answer: str | None
    cancelled_by: str | None
    power_cut: str | None
    ended_at: datetime | None
    created_at: datetime | None

    @classmethod
    def of(cls, r: Reservation) -> ReservationOut:
        return cls(
            reservation_id=r.reservation_id,
            ocpp_reservation_id=r.ocpp_reservation_id,
            station_id=r.station_id,
            evse_id=r.evse_id,
            connector_type=r.connector_type,
            account_id=r.account_id,
            id_token=r.id_token,
            start=r.starts_at,
            end=r.ends_at,
            status=r.status.value,
            no_show_fee=str(r.no_show_fee),
            extension_fee_per_minute=str(r.extension_fee_per_minute),
            session_id=r.session_id,
            station_answer=r.station_answer,
            cancelled_by=r.cancelled_by,
            power_cut=r.power_cut,
            ended_at=r.ended_at,
            created_at=r.created_at,
        )


class ReservationList(BaseModel):
    reservations: list[ReservationOut]


class PolicyOut(BaseModel):
    station_id: str
    reservable: bool
    evse_ids: list[int] | None
    slot_minutes: int
    max_slots: int
    max_days_ahead: int
    opens_at: str | None
    closes_at: str | None
    no_show_fee: str
    extension_fee_per_minute: str

    @classmethod
    def of(cls, p: ReservationPolicy) -> PolicyOut:
        return cls(
            station_id=p.station_id,
            reservable=p.reservable,
            evse_ids=list(p.evse_ids) if p.evse_ids is not None else None,
            slot_minutes=p.slot_minutes,
            max_slots=p.max_slots,
            max_days_ahead=p.max_days_ahead,
            opens_at=p.opens_at.strftime("%H:%M") if p.opens_at else None,
            closes_at=p.closes_at.strftime("%H:%M") if p.closes_at else None,
            no_show_fee=str(p.no_show_fee),
            extension_fee_per_minute=str(p.extension_fee_per_minute),
        )


class SuspensionLifted(BaseModel):
    account_id: str
    lifted: bool
