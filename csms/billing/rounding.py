"""Every rounding rule of the billing engine, each with its mode and a worked example.

All quantities here are non-negative, so "truncate" (切り捨て) is ``ROUND_DOWN`` and
"round up" (切り上げ) is ``ROUND_CEILING``; the ambient decimal context is never used.

Per component or only the total? **Per component.** Where a price is the sum of an energy
part and a time part, each part is computed and truncated to the yen on its own, then the
parts are added (seed 004 第10条1: 「それぞれ計算されたものを合算」). A component with a
first block (004 別表1) is one part: block price plus minutes after the block times the
per-minute price, truncated once; block prices are whole yen (checked when a tariff loads),
so that equals truncating only the per-minute amount.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Final

from csms.billing.money import Duration, Energy

ONE: Final = Decimal(1)
SECONDS_PER_MINUTE: Final = Decimal(60)
DAYS_PER_MONTH: Final = Decimal(30)


def started_minutes(duration: Duration) -> int:
    """Minutes with any started minute counted whole (004 第10条2, 002 別紙).

    Example: 1 min 20 s (80 s) gives 2; exactly 300 s gives 5; 300.001 s gives 6; 0 s gives 0.
    """
    return int((duration.seconds / SECONDS_PER_MINUTE).to_integral_value(rounding=ROUND_CEILING))


def kwh_in_steps_up(energy: Energy, step_kwh: Decimal) -> Decimal:
    """kWh rounded **up** to a whole number of steps (002 別紙: 0.1 kWh, 端数切り上げ).

    Example: 12.31 kWh at step 0.1 gives 12.4; 12.3 kWh stays 12.3; 12.30001 kWh gives 12.4.
    """
    steps = (energy.kwh / step_kwh).to_integral_value(rounding=ROUND_CEILING)
    return _at_step_precision(steps * step_kwh, step_kwh)


def kwh_truncated(energy: Energy, step_kwh: Decimal) -> Decimal:
    """kWh **truncated** to the step (004 第10条2: 小数点第4位を切り捨て, step 0.001).

    Example: 15.1234 kWh at step 0.001 gives 15.123; 15.1239 kWh also gives 15.123.
    """
    steps = (energy.kwh / step_kwh).to_integral_value(rounding=ROUND_DOWN)
    return _at_step_precision(steps * step_kwh, step_kwh)


def _at_step_precision(kwh: Decimal, step_kwh: Decimal) -> Decimal:
    """Show a whole number of steps with the step's decimals (10 kWh at 0.001 is 10.000).

    Exact: ``kwh`` is already a multiple of the step, so no digit is dropped.
    """
    return kwh.quantize(step_kwh, rounding=ROUND_DOWN)


def yen_truncated(amount: Decimal) -> Decimal:
    """Truncate to the yen (004 第10条2, 002 別紙, 003 第6条1: 1円未満切り捨て).

    Example: 8.8 yen x 7 min = 61.6 yen gives 61; 82.5 x 12.345 kWh = 1018.4625 gives 1018.
    """
    return amount.quantize(ONE, rounding=ROUND_DOWN)


def included_tax(total_yen: Decimal, rate_percent: Decimal) -> Decimal:
    """Consumption tax included in a tax-included total, once per statement, truncated.

    ``floor(total * rate / (100 + rate))``; at 10 %: ``floor(total * 10 / 110)``.
    Example: 770 yen gives 70; 1018 yen gives 92 (92.545...).
    """
    return yen_truncated(total_yen * rate_percent / (100 + rate_percent))


def yen_pro_rata_30_days(monthly_fee: Decimal, days: int) -> Decimal:
    """A monthly fee for ``days`` days, a month counted as 30 days, truncated **once** to the
    yen (003 第19条5: 1か月30日とする日割計算。1円未満切捨て).

    ``floor(monthly_fee * days / 30)``, never a truncated daily rate times the days.
    Example: 2,200 yen for 31 days is 2273 (2273.33...), not 73 x 31 = 2263; for 1 day 73;
    for 0 days 0.
    """
    if days < 0:
        raise ValueError(f"days must not be negative: {days}")
    return yen_truncated(monthly_fee * days / DAYS_PER_MONTH)


def add_months_clamped(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, same day number, clamped to the month's end.

    Example: 2024-01-31 + 1 is 2024-02-29; + 2 is 2024-03-31 (always from the original day
    number, never month by month); 2025-01-15 + 3 is 2025-04-15.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def whole_months_left(from_day: date, until_day: date) -> int:
    """Whole months from ``from_day`` to ``until_day``, a part of a month **truncated** (003
    第16条2: 残月数(ただし1か月未満は切り捨て)): the largest n >= 0 such that ``from_day``
    + n months (:func:`add_months_clamped`) is on or before ``until_day``; 0 when
    ``until_day`` is before ``from_day``.

    Example: 2024-11-15 to 2025-04-14 gives 4 (2025-04-15 is after); to 2025-04-15 gives 5;
    2025-01-31 to 2025-05-30 gives 3 (2025-04-30 fits, 2025-05-31 does not).
    """
    if until_day < from_day:
        return 0
    months = (until_day.year - from_day.year) * 12 + until_day.month - from_day.month
    if add_months_clamped(from_day, months) > until_day:
        months -= 1
    return months
