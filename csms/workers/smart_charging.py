"""Power sharing's loop (seed 004 第2条12-14): every site with a charging session is
recomputed every ``smart_charging_interval_s`` (dynamic control from the meter values, the
demand guard) and at once after a session starts or ends anywhere (``changed``)."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from csms.events import DomainEvent, SessionEnded, SessionStarted
from csms.observability import SITE_INTERVAL_DEMAND, SITE_POWER
from csms.smart_charging.power_sharing import PowerSharing

log = structlog.get_logger(__name__)


class SmartChargingLoop:
    def __init__(self, sharing: PowerSharing, interval_s: float) -> None:
        self._sharing = sharing
        self._interval_s = interval_s
        self._changed = asyncio.Event()

    def on_event(self, event: DomainEvent) -> None:
        """Relay subscriber: a session started or ended, so shares change."""
        if isinstance(event, SessionStarted | SessionEnded):
            self._changed.set()

    async def run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: wait_for may swallow a cancellation that comes
            # as the event is set (Python 3.11), and the loop would never stop
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._changed.wait()
            self._changed.clear()
            try:
                await self._sharing.recompute_all()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("power_sharing_failed")
            self._publish_metrics()

    def _publish_metrics(self) -> None:
        """Granted, measured and interval demand per site (issue: demand guard metrics)."""
        for site_id, snapshot in self._sharing.snapshots.items():
            SITE_POWER.labels(site_id, "granted").set(float(snapshot.granted_w))
            SITE_POWER.labels(site_id, "measured").set(float(snapshot.measured_w))
            SITE_INTERVAL_DEMAND.labels(site_id).set(float(snapshot.interval_demand_kw))
