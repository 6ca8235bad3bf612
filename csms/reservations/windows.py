"""Which windows a member may book (seed 002 第10条: 予約可能な充電器として設定をした場合に限り、
予約枠内で) and which changes the rules allow (第11条). Pure: times in, a reason out.

A window is whole minutes, ``slot_minutes`` long or a multiple of it up to ``max_slots``,
inside the station's opening hours (JST) when it has them, starting no later than
``max_days_ahead`` days from now and ending in the future. A window whose start has just
passed (within a minute: clocks differ) "opens now".
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final

from csms.billing.pricer import JST
from csms.errors import Conflict, InvalidInput
from csms.reservations.models import Reservation, ReservationPolicy, ReservationStatus

CLOCK_TOLERANCE: Final = timedelta(minutes=1)


def check_window(
    policy: ReservationPolicy | None,
    evse_id: int | None,
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    """Refuse a window the station's policy does not offer (409) or that is malformed (400)."""
    if policy is None or not policy.reservable:
        raise Conflict("the station is not reservable")
    if evse_id is not None and policy.evse_ids is not None and evse_id not in policy.evse_ids:
        raise Conflict(f"EVSE {evse_id} of the station is not reservable")
    check_times(policy, start, end, now)


def check_times(policy: ReservationPolicy, start: datetime, end: datetime, now: datetime) -> None:
    """The window's own rules: order, length in slots, how far ahead, opening hours."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start and end must carry a UTC offset")
    if end <= start:
        raise InvalidInput("end must be after start")
    if start.second or start.microsecond or end.second or end.microsecond:
        raise InvalidInput("a window starts and ends on whole minutes")
    if start < now - CLOCK_TOLERANCE:
        raise InvalidInput("the window's start has passed")
    if start > now + timedelta(days=policy.max_days_ahead):
        raise InvalidInput(f"reservations open at most {policy.max_days_ahead} days ahead")
    check_length(policy, start, end)
    _check_hours(policy, start, end)


def check_length(policy: ReservationPolicy, start: datetime, end: datetime) -> None:
    minutes, rest = divmod(int((end - start).total_seconds()), 60)
    if rest or minutes % policy.slot_minutes:
        raise InvalidInput(f"a window is a whole number of {policy.slot_minutes}-minute slots")
    if minutes > policy.slot_minutes * policy.max_slots:
        raise InvalidInput(
            f"a window is at most {policy.max_slots} slots of {policy.slot_minutes} minutes"
        )


def _check_hours(policy: ReservationPolicy, start: datetime, end: datetime) -> None:
    """Inside one day's opening hours (JST); closing before opening means open overnight."""
    opens, closes = policy.opens_at, policy.closes_at
    if opens is None or closes is None:
        return
    local_start, local_end = start.astimezone(JST), end.astimezone(JST)
    day = local_start.date() if local_start.time() >= opens else local_start.date() - timedelta(1)
    opened = datetime.combine(day, opens, JST)
    closed = datetime.combine(day + timedelta(days=int(closes <= opens)), closes, JST)
    if closes == time(0) and opens == time(0):
        return
    if not (opened <= local_start and local_end <= closed):
        raise InvalidInput(
            f"the station takes reservations from {opens:%H:%M} to {closes:%H:%M} (JST)"
        )


def check_new_end(
    reservation: Reservation, policy: ReservationPolicy, end: datetime, now: datetime
) -> None:
    """Only the end of a live window can change, to a later moment than now (第11条)."""
    if (
        reservation.status
        not in (ReservationStatus.SCHEDULED, ReservationStatus.ACTIVE, ReservationStatus.USED)
        or reservation.ended_at is not None
    ):
        raise Conflict(f"the reservation is {reservation.status.value}: its end cannot change")
    if end.second or end.microsecond:
        raise InvalidInput("a window ends on a whole minute")
    if end <= max(now, reservation.starts_at):
        raise InvalidInput("the new end must be after the start and in the future")
    check_length(policy, reservation.starts_at, end)
    _check_hours(policy, reservation.starts_at, end)
