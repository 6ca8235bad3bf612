"""The database watch: an outage pauses OCPP instead of losing what stations send.

Every ``interval_s`` the database is asked ``SELECT 1`` on a connection of its own. When it
does not answer ``failures_before_outage`` times in a row:

1. ``csms_database_up`` goes to 0, ``database_unavailable`` is logged, and ``on_down`` pauses
   OCPP: the server closes the stations' connections and refuses handshakes with 503, so
   chargers keep their transaction messages in their own queues (OCPP 1.6 §3.3 / 2.0.1
   E: transaction-related messages are queued and retried while offline) instead of
   getting InternalError for each one until they give up.
2. The embedded PostgreSQL, when it is ours and died, is restarted; an external one is
   just asked again. Both with exponential back-off up to ``max_backoff_s``.
3. Once it answers again, the pool's broken connections are dropped, ``csms_database_up``
   is 1, ``database_available_again`` is logged with the outage's length, and ``on_up``
   lets stations in again (at the storm control's pace).

A message being handled when the database failed is answered with an error, never with
success: its unit of work did not commit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from csms.observability import DATABASE_OUTAGES, DATABASE_RESTARTS, DATABASE_UP

log = structlog.get_logger(__name__)

Ping = Callable[[], Awaitable[bool]]
Step = Callable[[], Awaitable[Any]]


class DatabaseWatch:
    def __init__(
        self,
        ping: Ping,
        *,
        on_down: Step,
        on_up: Step,
        restart: Step | None = None,
        is_alive: Callable[[], bool] | None = None,
        interval_s: float = 1.0,
        max_backoff_s: float = 30.0,
        failures_before_outage: int = 2,
    ) -> None:
        self._ping = ping
        self._on_down = on_down
        self._on_up = on_up
        self._restart = restart
        self._is_alive = is_alive
        self._interval_s = interval_s
        self._max_backoff_s = max_backoff_s
        self._failures_before_outage = failures_before_outage
        self.outages = 0

    async def run(self) -> None:
        """Watch until cancelled."""
        DATABASE_UP.set(1)
        failures = 0
        while True:
            await asyncio.sleep(self._interval_s)
            failures = 0 if await self._ping() else failures + 1
            if failures >= self._failures_before_outage:  # one slow answer is no outage
                await self._outage()
                failures = 0

    async def _outage(self) -> None:
        began = time.monotonic()
        self.outages += 1
        DATABASE_UP.set(0)
        DATABASE_OUTAGES.inc()
        log.error("database_unavailable", detail="OCPP paused until the database is back")
        await self._on_down()
        backoff = self._interval_s
        while True:
            await self._try_restart()
            if await self._ping():
                break
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff_s)
        DATABASE_UP.set(1)
        log.warning("database_available_again", outage_s=round(time.monotonic() - began, 2))
        await self._on_up()

    async def _try_restart(self) -> None:
        if self._restart is None or self._is_alive is None or self._is_alive():
            return
        try:
            await self._restart()
        except Exception as exc:  # retried with back-off; the log says why
            DATABASE_RESTARTS.labels("failed").inc()
            log.warning("database_restart_failed", error=str(exc)[-300:])
            return
        DATABASE_RESTARTS.labels("started").inc()
        log.warning("database_restarted")
