"""FailureThrottle: reserved before the check, exact per station id, fair per address."""

from __future__ import annotations

import pytest

from csms.stations import security
from csms.stations.security import FailureThrottle


def test_checks_in_flight_count_so_only_the_limit_is_ever_checked() -> None:
    """Reservations made before any check completes already count against the station id."""
    throttle = FailureThrottle(limit=3, window_s=60, address_limit=100)
    granted = [throttle.reserve("CP-1", "10.0.0.1") for _ in range(10)]
    assert granted == [True] * 3 + [False] * 7
    assert throttle.reserve("CP-2", "10.0.0.1")  # another station id is not locked out


def test_a_successful_check_releases_its_slot_and_a_failure_keeps_it() -> None:
    throttle = FailureThrottle(limit=2, window_s=60, address_limit=100)
    assert throttle.reserve("CP-1", "a")
    throttle.settle("CP-1", "a", failed=False)
    assert throttle.reserve("CP-1", "a")
    throttle.settle("CP-1", "a", failed=True)
    assert throttle.reserve("CP-1", "a")
    throttle.settle("CP-1", "a", failed=True)
    assert not throttle.reserve("CP-1", "a")  # two failures: locked out


def test_an_address_is_over_its_limit_only_after_that_many_checked_failures() -> None:
    throttle = FailureThrottle(limit=5, window_s=60, address_limit=3)
    overs = []
    for n in range(5):
        assert throttle.reserve(f"SCAN-{n}", "nat")
        overs.append(throttle.settle(f"SCAN-{n}", "nat", failed=True))
    assert overs == [False, False, False, True, True]
    assert throttle.reserve("CP-OK", "nat")  # a station that is not locked out is checked
    assert throttle.settle("CP-OK", "nat", failed=False)  # over, but a success is a success


def test_memory_stays_bounded_and_keys_being_checked_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a scan of many ids the oldest idle ones go; one being checked never does."""
    monkeypatch.setattr(security, "_MAX_KEYS", 10)
    throttle = FailureThrottle(limit=5, window_s=60, address_limit=1000)
    assert throttle.reserve("BUSY", "x")
    for n in range(50):
        assert throttle.reserve(f"SCAN-{n}", "x")
        throttle.settle(f"SCAN-{n}", "x", failed=True)
    assert len(throttle._stations._by_key) <= 10
    assert "BUSY" in throttle._stations._by_key
    throttle.settle("BUSY", "x", failed=True)
