"""The reservation clock's loop: one tick every ``reservation_poll_s`` (seed 002 第10-12条)."""

from __future__ import annotations

from csms.reservations.clock import ReservationClock
from csms.workers.ticks import run_ticks


async def run_reservation_clock(clock: ReservationClock, poll_s: float) -> None:
    await run_ticks(clock.tick, poll_s, "reservation_clock")
