"""The reservation clock's loop: one tick every ``reservation_poll_s`` (seed 002 第10-12条).

A failing tick (the database away, a station misbehaving) is logged and the next one tries
again: the reservations table holds the state, so nothing is lost between ticks.
"""

from __future__ import annotations

import asyncio

import structlog

from csms.reservations.clock import ReservationClock

log = structlog.get_logger(__name__)


async def run_reservation_clock(clock: ReservationClock, poll_s: float) -> None:
    while True:
        try:
            await clock.tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reservation_clock_failed")
        await asyncio.sleep(poll_s)
