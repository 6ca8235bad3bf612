"""Clocks: the system clock for production, a settable one for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests move by hand (no sleeping)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


class Clock(Protocol):
    """Where use cases read the time (injected; tests use ``FixedClock``)."""

    def now(self) -> datetime: ...
