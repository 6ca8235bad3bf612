"""Storm control: a bucket of accepted boots per second, Pending with a retry time."""

from __future__ import annotations

from datetime import UTC, datetime

from csms.clock import FixedClock
from csms.stations.service import BootAdmission


def test_boots_beyond_the_rate_are_told_when_to_retry() -> None:
    """Rate 3/s: three boots pass, the next ones wait 1 s, 1 s, 1 s, then 2 s."""
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    admission = BootAdmission(3, clock)
    assert [admission.retry_after_s() for _ in range(3)] == [0, 0, 0]
    assert [admission.retry_after_s() for _ in range(4)] == [1, 1, 1, 2]
    clock.advance(3)  # the queue has drained and the bucket refilled
    assert admission.retry_after_s() == 0
