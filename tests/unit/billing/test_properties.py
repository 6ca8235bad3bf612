"""Hypothesis properties of the billing engine (what correct billing must always hold)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csms.billing.money import Duration, Energy, Money, exact
from csms.billing.pricer import price_session
from csms.billing.rounding import (
    included_tax,
    kwh_in_steps_up,
    kwh_truncated,
    started_minutes,
    yen_truncated,
)
from csms.storage.tariff_files import DEFAULT_DIR, load_tariffs

TARIFFS = load_tariffs(DEFAULT_DIR)
START = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)  # inside every shipped tariff's validity
energy_wh = st.decimals(
    min_value=0, max_value=500_000, places=2, allow_nan=False, allow_infinity=False
)
seconds = st.integers(min_value=0, max_value=24 * 3600)
steps = st.sampled_from([Decimal("0.1"), Decimal("0.001"), Decimal("0.5")])
tariff_ids = st.sampled_from(sorted(TARIFFS))


@given(energy_wh, steps)
def test_rounding_up_never_bills_less_nor_a_step_more(wh: Decimal, step: Decimal) -> None:
    """Step billing is a ceiling: used <= billed < used + step."""
    used = wh / 1000
    billed = kwh_in_steps_up(Energy(wh), step)
    assert used <= billed < used + step


@given(energy_wh, steps)
def test_truncating_never_bills_more_nor_a_step_less(wh: Decimal, step: Decimal) -> None:
    """Truncation (004): used - step < billed <= used."""
    used = wh / 1000
    billed = kwh_truncated(Energy(wh), step)
    assert used - step < billed <= used


@given(st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False))
def test_started_minutes_never_below_nor_a_minute_above(duration_s: Decimal) -> None:
    """Started minutes: seconds/60 <= minutes < seconds/60 + 1."""
    minutes = started_minutes(Duration(duration_s))
    assert duration_s / 60 <= minutes < duration_s / 60 + 1


@given(energy_wh, steps)
def test_rounding_is_idempotent(wh: Decimal, step: Decimal) -> None:
    """Billing an already-billed quantity again changes nothing."""
    once = kwh_in_steps_up(Energy(wh), step)
    assert kwh_in_steps_up(Energy(once * 1000), step) == once
    cut = kwh_truncated(Energy(wh), step)
    assert kwh_truncated(Energy(cut * 1000), step) == cut
    amount = yen_truncated(wh)
    assert yen_truncated(amount) == amount


@settings(max_examples=300)
@given(tariff_ids, seconds, energy_wh)
def test_totals_are_whole_yen_and_tax_is_consistent(tariff_id: str, secs: int, wh: Decimal) -> None:
    """Every amount and the total are integer yen; tax is floor(total*10/110)."""
    quote = price_session(TARIFFS[tariff_id], START, START + timedelta(seconds=secs), wh)
    for line in quote.lines:
        assert line.amount == line.amount.to_integral_value()
        assert line.amount.as_tuple().exponent == 0
    assert quote.total == sum((line.amount for line in quote.lines), Decimal(0))
    assert quote.tax_included == included_tax(quote.total, Decimal(10))
    assert 0 <= quote.tax_included <= quote.total


@settings(max_examples=300)
@given(tariff_ids, seconds, seconds, energy_wh.filter(lambda v: v > 0))
def test_totals_are_monotonic_in_time(tariff_id: str, a: int, b: int, wh: Decimal) -> None:
    """A longer session never costs less."""
    short, long_ = sorted((a, b))
    tariff = TARIFFS[tariff_id]
    cheap = price_session(tariff, START, START + timedelta(seconds=short), wh)
    dear = price_session(tariff, START, START + timedelta(seconds=long_), wh)
    assert cheap.total <= dear.total


@settings(max_examples=300)
@given(tariff_ids, seconds, energy_wh, energy_wh)
def test_totals_are_monotonic_in_energy(tariff_id: str, secs: int, a: Decimal, b: Decimal) -> None:
    """More energy never costs less (zero energy is waived, so it is the cheapest)."""
    low, high = sorted((a, b))
    stop = START + timedelta(seconds=secs)
    tariff = TARIFFS[tariff_id]
    assert (
        price_session(tariff, START, stop, low).total
        <= price_session(tariff, START, stop, high).total
    )


@given(tariff_ids, seconds)
def test_zero_energy_gives_zero(tariff_id: str, secs: int) -> None:
    """No energy, no charging fee, under every tariff."""
    quote = price_session(TARIFFS[tariff_id], START, START + timedelta(seconds=secs), 0)
    assert quote.total == 0
    assert quote.lines == ()
    assert quote.waiver is not None


@given(seconds, energy_wh.filter(lambda v: v > 0))
def test_minimums_hold(secs: int, wh: Decimal) -> None:
    """002: at least 10 minutes and at least 0.4 kWh are billed."""
    stop = START + timedelta(seconds=secs)
    time_line = price_session(TARIFFS["eoc-time-example"], START, stop, wh).lines[0]
    assert time_line.quantity >= 10
    energy_line = price_session(TARIFFS["eoc-energy-example"], START, stop, wh).lines[0]
    assert energy_line.quantity >= Decimal("0.4")


@pytest.mark.parametrize("value", [1.5, 0.1, True])
def test_floats_never_reach_the_engine(value: object) -> None:
    """A float (or bool) for energy or money raises at the door."""
    tariff = TARIFFS["emp-normal"]
    with pytest.raises(TypeError):
        price_session(tariff, START, START + timedelta(minutes=5), value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        exact(value, "x")


def test_money_refuses_mixed_currencies_and_money_times_money() -> None:
    """Money + other currency and money x money are errors."""
    with pytest.raises(ValueError, match="cannot add"):
        _ = Money(Decimal(1)) + Money(Decimal(1), "EUR")
    with pytest.raises(TypeError):
        Money(Decimal(2)).times(Money(Decimal(3)))  # type: ignore[arg-type]
    assert Money(Decimal("8.8")).times(Decimal(7)).amount == Decimal("61.6")


def test_the_float_trap_is_active() -> None:
    """This folder's fixture makes float mixing raise (so the tests above can fail)."""
    import decimal

    with pytest.raises(decimal.FloatOperation):
        Decimal(1.1)  # noqa: RUF032 (the float is the point)
