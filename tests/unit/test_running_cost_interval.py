"""The running cost is sent at most once per interval per transaction (seed 002 第10条, OCPP
2.0.1 I02): decided in memory, so most meter values schedule nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from csms.charging.price_display import PriceDisplay
from csms.clock import FixedClock


def test_once_per_interval_per_transaction_and_again_after_the_end() -> None:
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    unused: Any = None  # the check touches no database, catalog or station
    prices = PriceDisplay(unused, clock, unused, unused, interval_s=60)
    assert prices.running_cost_due("CP1", "T1")
    assert not prices.running_cost_due("CP1", "T1")
    assert prices.running_cost_due("CP1", "T2")  # another transaction has its own interval
    clock.advance(59.9)
    assert not prices.running_cost_due("CP1", "T1")
    clock.advance(0.1)
    assert prices.running_cost_due("CP1", "T1")
    prices.forget("CP1", "T1")  # ended: a reused id starts afresh
    assert prices.running_cost_due("CP1", "T1")
