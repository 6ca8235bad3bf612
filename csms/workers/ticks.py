"""A loop that runs one tick every ``poll_s`` seconds, for the server's clocks (reservations,
invoicing). A failing tick (the database away, a provider down) is logged and the next one
tries again: the tables hold the state, so nothing is lost between ticks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


async def run_ticks(tick: Callable[[], Awaitable[object]], poll_s: float, name: str) -> None:
    while True:
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(f"{name}_failed")
        await asyncio.sleep(poll_s)
