"""The outbox relay: delivers committed domain events to in-process subscribers.

The unit of work writes a use case's events to the outbox in the use case's transaction
and, once committed, hands them here (``publish``), so subscribers see them before the
station's answer is sent. Delivery is marked in the outbox in batches; at start-up
``deliver_pending`` hands over what a previous run committed but never delivered. So
every event is delivered at least once, in commit order (hence in order per station), and
subscribers must be idempotent. With several nodes, ``forward`` publishes each batch on
JetStream (csms.cluster.events) before it is marked: an event the bus did not take stays
pending and is published again (deduplicated there by its id).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

import structlog

from csms.events import DomainEvent
from csms.ports import EventOutbox

log = structlog.get_logger(__name__)

Subscriber = Callable[[DomainEvent], None]
Forward = Callable[[Sequence[tuple[int, DomainEvent]]], Awaitable[None]]


class EventRelay:
    """Hands committed events to the subscribers (plain functions: metrics, logs; a
    subscriber that does I/O should queue its own work) and marks them delivered."""

    def __init__(
        self,
        outbox: EventOutbox,
        subscribers: Sequence[Subscriber] = (),
        *,
        mark_interval_s: float = 0.5,
        forward: Forward | None = None,
    ) -> None:
        self._outbox = outbox
        self._subscribers = list(subscribers)
        self._mark_interval_s = mark_interval_s
        self._forward = forward
        self._delivered: list[tuple[int, DomainEvent]] = []
        self._closing = asyncio.Event()
        self._flushing: asyncio.Task[None] | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        """One more subscriber (a worker started after the relay)."""
        self._subscribers.append(subscriber)

    def publish(self, committed: Sequence[tuple[int, DomainEvent]]) -> None:
        """Deliver events just committed; called by the unit of work after COMMIT."""
        for item in committed:
            self._deliver(item[1])
            self._delivered.append(item)
        if self._delivered and self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._mark_delivered())

    async def deliver_pending(self, batch: int = 500) -> int:
        """Deliver what was committed but not delivered (a crash between the two)."""
        total = 0
        while pending := await self._outbox.pending(batch):
            for _, event in pending:
                self._deliver(event)
            await self._done(pending)
            total += len(pending)
        return total

    async def close(self) -> None:
        """Mark what was delivered so far (a mark in progress is finished, not cut)."""
        self._closing.set()
        if self._flushing is not None:
            await self._flushing
        if self._delivered:
            batch, self._delivered = self._delivered, []
            try:
                await self._done(batch)
            except Exception:  # pending in the outbox: delivered again at the next start
                log.warning("outbox_mark_failed", events=len(batch), exc_info=True)

    async def _done(self, batch: Sequence[tuple[int, DomainEvent]]) -> None:
        """Forward the batch (several nodes), then mark it delivered."""
        if self._forward is not None:
            await self._forward(batch)
        await self._outbox.mark_delivered([event_id for event_id, _ in batch])

    def _deliver(self, event: DomainEvent) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:  # a subscriber's bug must not fail the use case
                log.exception("event_subscriber_failed", kind=event.kind)

    async def _mark_delivered(self) -> None:
        """One UPDATE per interval, not per commit: a crash redelivers at most that much. A
        batch that could not be forwarded or marked is tried again (the bus or the database
        away for a while); at shutdown it stays pending for the next start."""
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._mark_interval_s)
            backoff_s = self._mark_interval_s
            while self._delivered:
                batch, self._delivered = self._delivered, []
                try:
                    await self._done(batch)
                except Exception:
                    log.warning("outbox_mark_failed", events=len(batch), exc_info=True)
                    self._delivered[:0] = batch
                    if self._closing.is_set():
                        return
                    await asyncio.sleep(backoff_s)
                    backoff_s = min(backoff_s * 2, 5.0)
        finally:
            self._flushing = None
