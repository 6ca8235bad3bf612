"""The outbox relay: delivers committed domain events to in-process subscribers.

The unit of work writes a use case's events to the outbox in the use case's transaction
and, once committed, hands them here (``publish``), so subscribers see them before the
station's answer is sent. Delivery is marked in the outbox in batches; at start-up
``deliver_pending`` hands over what a previous run committed but never delivered. So
every event is delivered at least once, in commit order (hence in order per station), and
subscribers must be idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog

from csms.events import DomainEvent
from csms.ports import EventOutbox

log = structlog.get_logger(__name__)

Subscriber = Callable[[DomainEvent], None]
AsyncSubscriber = Callable[[DomainEvent], Awaitable[None]]


class EventRelay:
    def __init__(
        self,
        outbox: EventOutbox,
        subscribers: Sequence[Subscriber] = (),
        async_subscribers: Sequence[AsyncSubscriber] = (),
        *,
        mark_interval_s: float = 0.5,
    ) -> None:
        self._mark_interval_s = mark_interval_s
        self._outbox = outbox
        self._subscribers = list(subscribers)
        self._async_subscribers = list(async_subscribers)
        self._delivered: list[int] = []
        self._queue: asyncio.Queue[DomainEvent] = asyncio.Queue()
        self._flushing: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None

    def publish(self, committed: Sequence[tuple[int, DomainEvent]]) -> None:
        """Deliver events just committed; called by the unit of work after COMMIT."""
        for event_id, event in committed:
            self._deliver(event)
            self._delivered.append(event_id)
        if self._delivered and self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._mark_delivered())

    async def deliver_pending(self, batch: int = 500) -> int:
        """Deliver what was committed but not delivered (a crash between the two)."""
        total = 0
        while pending := await self._outbox.pending(batch):
            for _, event in pending:
                self._deliver(event)
            await self._outbox.mark_delivered([event_id for event_id, _ in pending])
            total += len(pending)
        return total

    def start(self) -> None:
        if self._async_subscribers and self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run_async())

    async def close(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
            await asyncio.gather(self._flushing, return_exceptions=True)
        if self._delivered:  # what was delivered since the last mark
            await self._outbox.mark_delivered(self._delivered)
            self._delivered = []
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    def _deliver(self, event: DomainEvent) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:  # a subscriber's bug must not fail the use case
                log.exception("event_subscriber_failed", kind=event.kind)
        if self._async_subscribers:
            self._queue.put_nowait(event)

    async def _run_async(self) -> None:
        while True:
            event = await self._queue.get()
            for subscriber in self._async_subscribers:
                try:
                    await subscriber(event)
                except Exception:
                    log.exception("event_subscriber_failed", kind=event.kind)

    async def _mark_delivered(self) -> None:
        try:
            # one UPDATE per interval, not per commit: a crash redelivers at most that much
            await asyncio.sleep(self._mark_interval_s)
            while self._delivered:
                batch, self._delivered = self._delivered, []
                await self._outbox.mark_delivered(batch)
        except Exception:  # the rows stay pending and are delivered again after a restart
            log.exception("outbox_mark_failed")
        finally:
            self._flushing = None
