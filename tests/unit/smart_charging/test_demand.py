"""The 30-minute demand guard (issue 15 item 5): alignment, the cap, a simulated day."""

from __future__ import annotations

import decimal
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csms.smart_charging.demand import interval_demand_kw, interval_start, site_cap_w

JST = timezone(timedelta(hours=9))
KW50 = Decimal(50)
MARGIN = Decimal("0.95")


@pytest.fixture(autouse=True)
def _trap_floats() -> Iterator[None]:
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        yield


@pytest.mark.parametrize(
    ("at", "start"),
    [
        (datetime(2025, 7, 1, 14, 47, 12, tzinfo=JST), datetime(2025, 7, 1, 14, 30, tzinfo=JST)),
        (
            datetime(2025, 7, 1, 14, 29, 59, 999_999, tzinfo=JST),
            datetime(2025, 7, 1, 14, tzinfo=JST),
        ),
        (datetime(2025, 7, 1, 15, 0, tzinfo=JST), datetime(2025, 7, 1, 15, 0, tzinfo=JST)),
        (datetime(2025, 7, 1, 0, 5, tzinfo=JST), datetime(2025, 7, 1, 0, 0, tzinfo=JST)),
        (datetime(2025, 7, 1, 5, 31, tzinfo=UTC), datetime(2025, 7, 1, 5, 30, tzinfo=UTC)),
    ],
)
def test_intervals_start_on_the_hour_and_the_half_hour(at: datetime, start: datetime) -> None:
    """Intervals are :00-:30 and :30-:00 on the JST (and UTC) clock."""
    assert interval_start(at) == start


def test_interval_start_keeps_the_callers_time_zone() -> None:
    """A JST time gives a JST start; the same instant in UTC gives the same instant."""
    local = datetime(2025, 7, 1, 14, 47, tzinfo=JST)
    assert interval_start(local).utcoffset() == timedelta(hours=9)
    assert interval_start(local) == interval_start(local.astimezone(UTC))


def test_interval_start_refuses_a_naive_datetime() -> None:
    """A naive datetime has no clock to align to."""
    with pytest.raises(ValueError, match="timezone-aware"):
        interval_start(datetime(2025, 7, 1, 14, 47))


def test_the_worked_example_gives_41_25_kw() -> None:
    """50 kW contracted, 10 min in, 10 kWh used: 13.75 kWh left for 20 min is 41.25 kW."""
    now = datetime(2025, 7, 1, 14, 40, tzinfo=JST)
    assert site_cap_w(KW50, Decimal(10_000), now) == Decimal(41_250)


def test_an_interval_just_begun_allows_margin_times_contract() -> None:
    """At :00 with nothing used the cap is 0.95 x 50 kW = 47.5 kW."""
    now = datetime(2025, 7, 1, 15, 0, tzinfo=JST)
    assert site_cap_w(KW50, Decimal(0), now) == Decimal(47_500)
    assert site_cap_w(KW50, Decimal(0), now, margin=Decimal(1)) == Decimal(50_000)


def test_the_last_second_gives_the_next_intervals_cap() -> None:
    """Under one second left: the cap of the next interval's start, whatever was used."""
    now = datetime(2025, 7, 1, 14, 59, 59, 500_000, tzinfo=JST)
    assert site_cap_w(KW50, Decimal(23_750), now) == Decimal(47_500)
    assert site_cap_w(KW50, Decimal(0), now) == Decimal(47_500)


def test_one_second_left_still_uses_the_formula() -> None:
    """Exactly 1 s left with 23.7 kWh used: 50 Wh = 180,000 J left for 1 s is 180 kW."""
    now = datetime(2025, 7, 1, 14, 59, 59, tzinfo=JST)
    assert site_cap_w(KW50, Decimal(23_700), now) == Decimal(180_000)


def test_the_cap_is_whole_watts_rounded_down() -> None:
    """85,500,000 J over 1,799 s is 47,526.40... W, which gives 47,526 W."""
    now = datetime(2025, 7, 1, 15, 0, 1, tzinfo=JST)
    assert site_cap_w(KW50, Decimal(0), now) == Decimal(47_526)


def test_the_cap_is_never_negative_and_never_below_the_floor() -> None:
    """An interval already over its allowance gives 0 W, or the caller's floor."""
    now = datetime(2025, 7, 1, 14, 45, tzinfo=JST)
    assert site_cap_w(KW50, Decimal(30_000), now) == 0
    assert site_cap_w(KW50, Decimal(30_000), now, floor_w=Decimal(4_800)) == Decimal(4_800)
    assert site_cap_w(KW50, Decimal(0), now, floor_w=Decimal(4_800)) == Decimal(95_000)


def test_bad_inputs_are_refused() -> None:
    """A negative contract, energy, margin or floor, or a naive time, raises ValueError."""
    now = datetime(2025, 7, 1, 14, 45, tzinfo=JST)
    for kwargs in ({"margin": Decimal(-1)}, {"floor_w": Decimal(-1)}):
        with pytest.raises(ValueError, match="non-negative"):
            site_cap_w(KW50, Decimal(0), now, **kwargs)
    with pytest.raises(ValueError, match="contracted_kw"):
        site_cap_w(Decimal(-50), Decimal(0), now)
    with pytest.raises(ValueError, match="interval_energy_wh"):
        site_cap_w(KW50, Decimal("NaN"), now)
    with pytest.raises(ValueError, match="timezone-aware"):
        site_cap_w(KW50, Decimal(0), datetime(2025, 7, 1, 14, 45))


def test_interval_demand_is_energy_over_half_an_hour() -> None:
    """23.75 kWh in an interval is 47.5 kW; 0 Wh is 0 kW."""
    assert interval_demand_kw(Decimal(23_750)) == Decimal("47.5")
    assert interval_demand_kw(Decimal(0)) == 0


def simulate(
    wanted_w: list[Decimal], steps_s: list[int], start: datetime, contracted_kw: Decimal
) -> dict[datetime, Decimal]:
    """A site drawing min(wanted, cap) for each step; each interval's energy in W x s.

    The cap is asked at the start of each step; a step that would cross into the next
    interval is cut at the boundary (the meter closes the interval there).
    """
    used_ws: dict[datetime, Decimal] = {}
    now = start
    for wanted, step in zip(wanted_w, steps_s, strict=True):
        interval = interval_start(now)
        span_s = min(step, int((interval + timedelta(minutes=30) - now).total_seconds()))
        energy_wh = used_ws.get(interval, Decimal(0)) / 3600
        drawn = min(wanted, site_cap_w(contracted_kw, energy_wh, now))
        used_ws[interval] = used_ws.get(interval, Decimal(0)) + drawn * span_s
        now += timedelta(seconds=span_s)
    return used_ws


def test_a_simulated_day_stays_under_the_contracted_demand() -> None:
    """A site wanting 10-40 kW by day and 60-80 kW in the evening peak, capped each minute:
    every interval averages at most 0.95 x 50 kW, though uncapped the peak would pass 50 kW."""
    rnd = random.Random(15)
    peak = range(17 * 60, 21 * 60)
    wanted = [
        Decimal(rnd.randint(60, 80) if minute in peak else rnd.randint(10, 40)) * 1000
        for minute in range(24 * 60)
    ]
    start = datetime(2025, 7, 1, 0, 0, tzinfo=JST)
    used_ws = simulate(wanted, [60] * len(wanted), start, KW50)
    assert len(used_ws) == 48
    assert all(ws <= MARGIN * KW50 * 1000 * 1800 for ws in used_ws.values())
    demands = [interval_demand_kw(ws / 3600) for ws in used_ws.values()]
    assert max(demands) <= KW50
    assert max(demands) > Decimal(47)  # the guard let the peak use nearly all it may
    uncapped = [sum(wanted[i : i + 30], Decimal(0)) / 30 / 1000 for i in range(0, 1440, 30)]
    assert max(uncapped) > KW50  # without the guard the evening would set a new contract


@settings(max_examples=200, deadline=None)
@given(
    contracted_kw=st.integers(1, 500).map(Decimal),
    wanted_w=st.lists(st.integers(0, 1_000_000).map(Decimal), min_size=1, max_size=60),
    data=st.data(),
    start_s=st.integers(0, 86_400),
)
def test_any_drawing_pattern_stays_under_the_contract(
    contracted_kw: Decimal, wanted_w: list[Decimal], data: st.DataObject, start_s: int
) -> None:
    """Whatever the site wants and however often it asks, no interval passes the margin."""
    steps = data.draw(st.lists(st.integers(1, 600), min_size=len(wanted_w), max_size=len(wanted_w)))
    start = datetime(2025, 7, 1, tzinfo=JST) + timedelta(seconds=start_s)
    used_ws = simulate(wanted_w, steps, start, contracted_kw)
    for ws in used_ws.values():
        assert ws <= MARGIN * contracted_kw * 1000 * 1800
        assert interval_demand_kw(ws / 3600) <= contracted_kw
