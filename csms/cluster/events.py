"""Domain events on JetStream: published by the outbox relay, read by every node.

Each event goes to ``csms.events.{kind}`` with ``Nats-Msg-Id`` = its outbox id, so a batch
published again (a crash before it was marked delivered) is stored once within the stream's
duplicate window; the stream keeps a week of events for outside consumers. Each node reads
the new events of the others (an ordered consumer, from now on) and hands them to its
``subscribers``, e.g. the leader's power sharing recomputes when a session starts on any
node; a repeated id is dropped. The payload is the outbox's (``csms.events.to_payload``).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

import structlog
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from csms.cluster.link import NatsLink
from csms.cluster.names import EVENTS_SUBJECTS, event_subject
from csms.events import DomainEvent, from_payload, to_payload
from csms.storage.pool import json_text

log = structlog.get_logger(__name__)

_NODE_HEADER: Final = "Csms-Node"
_PUBLISH_CONCURRENCY: Final = 100
_SEEN_KEPT: Final = 10_000


class JetStreamEvents:
    def __init__(self, link: NatsLink) -> None:
        self._link = link
        self.subscribers: list[Callable[[DomainEvent], None]] = []
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()

    async def forward(self, batch: Sequence[tuple[int, DomainEvent]]) -> None:
        """Publish a relay batch and wait for JetStream's acknowledgements (raises if not)."""
        for start in range(0, len(batch), _PUBLISH_CONCURRENCY):
            chunk = batch[start : start + _PUBLISH_CONCURRENCY]
            await asyncio.gather(*(self._publish(event_id, event) for event_id, event in chunk))

    async def _publish(self, event_id: int, event: DomainEvent) -> None:
        headers = {"Nats-Msg-Id": str(event_id), _NODE_HEADER: self._link.node_id}
        body = json_text(to_payload(event)).encode()
        await self._link.js.publish(event_subject(event.kind), body, headers=headers)

    async def follow(self) -> None:
        """Hand the other nodes' new events to the subscribers until cancelled."""
        subscription = await self._link.js.subscribe(
            EVENTS_SUBJECTS,
            cb=self._on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await subscription.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        headers = msg.headers or {}
        event_id = headers.get("Nats-Msg-Id", "")
        if headers.get(_NODE_HEADER) == self._link.node_id or not self._first(event_id):
            return
        try:
            event = from_payload(msg.subject.rsplit(".", 1)[-1], json.loads(msg.data))
        except (KeyError, TypeError, ValueError):
            log.warning("cluster_event_unreadable", subject=msg.subject)
            return
        for subscriber in self.subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event_subscriber_failed", kind=event.kind)

    def _first(self, event_id: str) -> bool:
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._seen_order.append(event_id)
        if len(self._seen_order) > _SEEN_KEPT:
            self._seen.discard(self._seen_order.popleft())
        return True
