"""The 30-minute demand guard: how much a site may draw now to stay under its contract (pure).

A Japanese site's contracted demand (契約電力) is set from the highest 30-minute average
demand of the past year, so one careless interval costs a year of higher basic charges
(issue 15, item 5; the output control that obeys it is power sharing, seed 004 第2条14).
Demand meters measure the energy of fixed 30-minute intervals aligned to the clock (:00
and :30); JST is UTC+9 with no daylight saving time, so aligning in UTC gives the same
intervals. The guard turns the energy already used in the current interval into the
highest constant site power for the rest of it that keeps the interval's average at or
under ``margin`` x the contracted demand; the allocator takes it as ``site_cap_w``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal, localcontext
from typing import Final

INTERVAL: Final = timedelta(minutes=30)
INTERVAL_S: Final = Decimal(1800)
SECONDS_PER_HOUR: Final = Decimal(3600)
W_PER_KW: Final = Decimal(1000)
INTERVALS_PER_HOUR: Final = Decimal(2)
MICROSECONDS_PER_S: Final = Decimal(1_000_000)
WATT: Final = Decimal(1)
LAST_SECOND: Final = Decimal(1)


def interval_start(at: datetime) -> datetime:
    """The start of the 30-minute demand interval holding ``at``, in ``at``'s time zone.

    Example: 2025-07-01 14:47:12 JST gives 14:30:00 JST; 15:00:00 exactly starts its own.

    Raises:
        ValueError: ``at`` is naive (an interval is only defined on a real clock).
    """
    if at.utcoffset() is None:
        raise ValueError("interval_start needs a timezone-aware datetime")
    utc = at.astimezone(UTC)
    start = utc.replace(minute=utc.minute - utc.minute % 30, second=0, microsecond=0)
    return start.astimezone(at.tzinfo)


def interval_demand_kw(interval_energy_wh: Decimal) -> Decimal:
    """A whole interval's average demand: its energy over half an hour.

    Example: 23,750 Wh in one interval is 23.75 kWh / 0.5 h = 47.5 kW.
    """
    return interval_energy_wh * INTERVALS_PER_HOUR / W_PER_KW


def site_cap_w(
    contracted_kw: Decimal,
    interval_energy_wh: Decimal,
    now: datetime,
    *,
    margin: Decimal = Decimal("0.95"),
    floor_w: Decimal = Decimal(0),
) -> Decimal:
    """The highest constant site power until the interval ends, in whole W (rounded down).

    ``(margin x contracted_kw x 1000 x 1800 s - interval_energy_wh x 3600) / remaining_s``,
    never below ``floor_w`` (the caller's choice, e.g. to keep admitted EVSEs at their
    minimum; a floor above the cap can break the contract) and never negative. With under
    one second left, the energy left cannot be spread over any useful time, so the cap of
    the next interval's start is returned: margin x contracted demand.

    Example: contracted 50 kW, margin 0.95, 10 minutes into the interval with 10 kWh used:
    47.5 kW x 0.5 h = 23.75 kWh allowed, 13.75 kWh left for the last 20 minutes (1/3 h),
    so the cap is 13.75 kWh / (1/3 h) = 41.25 kW, i.e. 41,250 W.

    Raises:
        ValueError: a negative contracted demand, energy, margin or floor, or a naive ``now``.
    """
    _check_non_negative(
        contracted_kw=contracted_kw,
        interval_energy_wh=interval_energy_wh,
        margin=margin,
        floor_w=floor_w,
    )
    allowed_w = margin * contracted_kw * W_PER_KW
    remaining_s = _seconds(interval_start(now) + INTERVAL - now)
    if remaining_s < LAST_SECOND:
        return max(allowed_w.quantize(WATT, rounding=ROUND_DOWN), floor_w)
    energy_left_ws = allowed_w * INTERVAL_S - interval_energy_wh * SECONDS_PER_HOUR
    with localcontext(rounding=ROUND_FLOOR):  # the division never rounds up past the cap
        cap_w = (energy_left_ws / remaining_s).quantize(WATT, rounding=ROUND_DOWN)
    return max(cap_w, floor_w, Decimal(0))


def _seconds(span: timedelta) -> Decimal:
    """A timedelta in seconds as an exact Decimal (``total_seconds()`` is a float)."""
    whole_s = span.days * 86_400 + span.seconds
    return Decimal(whole_s) + Decimal(span.microseconds) / MICROSECONDS_PER_S


def _check_non_negative(**values: Decimal) -> None:
    for name, value in values.items():
        if not value.is_finite() or value < 0:
            raise ValueError(f"{name} must be a finite, non-negative Decimal, not {value}")
