"""A socket that never boots is closed: the boot deadline of one connection.

OCPP 1.6 §4.2 and 2.0.1 B01: a station's first message on a new connection is a
BootNotification. A socket that sends none within ``deadline_s`` is closed (1008, policy
violation) with the log line ``station_closed_without_boot``. A boot answered Pending or
Rejected keeps the socket: the station must send BootNotification again after the
``interval`` it was given (1.6 §4.2; 2.0.1 B02 Pending, B03 Rejected), so the deadline starts
again from that answer, ``interval + deadline_s`` long. An Accepted boot ends the watch, and
so does any other message: a station that only reconnected (after a network blip or the
central system's outage pause) need not boot again and goes on with Heartbeats and
StatusNotifications (1.6 §4.2: a boot is sent after a (re)boot, not after a reconnect).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import structlog

from csms.handlers.connection import StationConnection
from csms.handlers.routing import Handler
from csms.handlers.wire.codec import payload_of

log = structlog.get_logger(__name__)

_CLOSE_POLICY_VIOLATION: Final = 1008
_BOOT: Final = "BootNotification"


class BootDeadline:
    """Watches one connection's BootNotification answers; closes the socket when none comes."""

    def __init__(self, deadline_s: float) -> None:
        self._deadline_s = deadline_s
        self._answered = asyncio.Event()
        self._accepted = False
        self._interval_s = 0.0

    def wrap(self, handlers: dict[str, Handler]) -> dict[str, Handler]:
        """The same handlers: BootNotification notes each answer, any other ends the watch."""
        boot = handlers.get(_BOOT)
        if boot is None or self._deadline_s <= 0:
            return handlers
        wrapped = {action: self._ending_watch(handler) for action, handler in handlers.items()}

        async def watched(**payload: Any) -> Any:
            result = await boot(**payload)
            answer = payload_of(result)
            self._accepted = answer.get("status") == "Accepted"
            self._interval_s = float(answer.get("interval") or 0)
            self._answered.set()
            return result

        return {**wrapped, _BOOT: watched}

    def _ending_watch(self, handler: Handler) -> Handler:
        async def speaking(**payload: Any) -> Any:
            result = await handler(**payload)
            self._accepted = True  # a known station that reconnected: no boot is owed
            self._answered.set()
            return result

        return speaking

    async def watch(self, connection: StationConnection) -> None:
        """Until an Accepted boot: close ``connection`` once a deadline passes without one."""
        if self._deadline_s <= 0:
            return
        wait_s = self._deadline_s
        while True:
            try:
                async with asyncio.timeout(wait_s):
                    await self._answered.wait()
            except TimeoutError:
                log.warning("station_closed_without_boot", waited_s=wait_s)
                await connection.close(_CLOSE_POLICY_VIOLATION, "no BootNotification")
                return
            self._answered.clear()
            if self._accepted:
                return
            wait_s = self._interval_s + self._deadline_s
