"""The ``csms_stale_sessions`` gauge: active sessions nothing was heard of for a while.

A session whose station vanished mid-session stays active; the gauge counts those with no
message (sample, transaction event, start) for ``stale_session_after_s`` so that an
operator is told, and ``GET /api/sessions?state=active&stale_after_s=...`` lists them for
closing (docs/reliability.md, "Stuck sessions"). One count query per ``stale_session_check_s``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from csms.clock import Clock
from csms.observability import STALE_SESSIONS
from csms.settings import Settings

log = structlog.get_logger(__name__)


class StaleSessionCount(Protocol):
    async def count_stale_sessions(self, stale_before: datetime) -> int: ...


async def refresh_stale_sessions(reads: StaleSessionCount, clock: Clock, after_s: float) -> int:
    """Count the stale sessions now and set the gauge; returns the count."""
    count = await reads.count_stale_sessions(clock.now() - timedelta(seconds=after_s))
    STALE_SESSIONS.set(count)
    return count


async def run_stale_sessions_watch(
    reads: StaleSessionCount, clock: Clock, after_s: float, every_s: float
) -> None:
    """Refresh the gauge for ever; a failure is logged and retried, never fatal."""
    while True:
        try:
            await refresh_stale_sessions(reads, clock, after_s)
        except Exception:  # a metric never stops the central system
            log.exception("stale_sessions_count_failed")
        await asyncio.sleep(every_s)


def stale_sessions_watch(
    reads: StaleSessionCount, clock: Clock, settings: Settings
) -> Coroutine[Any, Any, None]:
    """The watch with its settings (``stale_session_after_s``, ``stale_session_check_s``)."""
    return run_stale_sessions_watch(
        reads, clock, settings.stale_session_after_s, settings.stale_session_check_s
    )
