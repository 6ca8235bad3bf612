"""Which windows a station's policy offers (seed 002 第10条), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from csms.errors import Conflict, InvalidInput
from csms.reservations.models import ReservationPolicy
from csms.reservations.windows import check_window

NOW = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)  # 09:00 JST
POLICY = ReservationPolicy("ST1", reservable=True, slot_minutes=30, max_slots=4, max_days_ahead=7)


def _check(
    start: datetime,
    minutes: int,
    policy: ReservationPolicy | None = POLICY,
    evse_id: int | None = 1,
) -> None:
    check_window(policy, evse_id, start, start + timedelta(minutes=minutes), NOW)


def test_whole_slots_on_whole_minutes_are_offered() -> None:
    _check(NOW + timedelta(minutes=10), 30)
    _check(NOW + timedelta(minutes=10), 120)
    later = NOW + timedelta(seconds=30)  # opens now: clocks differ a little
    check_window(POLICY, 1, NOW, NOW + timedelta(minutes=30), later)


@pytest.mark.parametrize(
    ("start", "minutes", "why"),
    [
        (NOW + timedelta(minutes=10), 45, "whole number of 30-minute slots"),
        (NOW + timedelta(minutes=10), 150, "at most 4 slots"),
        (NOW + timedelta(minutes=10, seconds=5), 30, "whole minutes"),
        (NOW - timedelta(minutes=5), 30, "start has passed"),
        (NOW + timedelta(days=8), 30, "at most 7 days ahead"),
        (NOW + timedelta(minutes=10), 0, "end must be after start"),
    ],
)
def test_malformed_windows_are_refused(start: datetime, minutes: int, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        _check(start, minutes)


def test_a_station_not_reservable_or_an_evse_outside_the_policy_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="not reservable"):
        _check(NOW + timedelta(minutes=10), 30, policy=None)
    with pytest.raises(Conflict, match="not reservable"):
        _check(NOW + timedelta(minutes=10), 30, policy=ReservationPolicy("ST1", reservable=False))
    only_two = ReservationPolicy("ST1", reservable=True, evse_ids=(2,))
    with pytest.raises(Conflict, match="EVSE 1"):
        _check(NOW + timedelta(minutes=10), 30, policy=only_two)


def test_opening_hours_are_jst_and_may_run_overnight() -> None:
    day = ReservationPolicy("ST1", True, opens_at=time(8), closes_at=time(22))
    _check(datetime(2025, 6, 2, 12, 0, tzinfo=UTC), 30, policy=day)  # 21:00-21:30 JST
    with pytest.raises(InvalidInput, match="08:00 to 22:00"):
        _check(datetime(2025, 6, 2, 12, 45, tzinfo=UTC), 30, policy=day)  # until 22:15 JST
    night = ReservationPolicy("ST1", True, opens_at=time(22), closes_at=time(6))
    _check(datetime(2025, 6, 2, 17, 30, tzinfo=UTC), 60, policy=night)  # 02:30-03:30 JST
    with pytest.raises(InvalidInput):
        _check(datetime(2025, 6, 2, 3, 0, tzinfo=UTC), 30, policy=night)  # 12:00 JST
