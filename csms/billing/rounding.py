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

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Final

from csms.billing.money import Duration, Energy

ONE: Final = Decimal(1)
SECONDS_PER_MINUTE: Final = Decimal(60)


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
