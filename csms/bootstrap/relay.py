"""The outbox relay, started before anything that commits."""

from __future__ import annotations

import contextlib

import asyncpg
import structlog

from csms.cluster.node import ClusterNode
from csms.storage.events_outbox import PostgresEventOutbox
from csms.workers.event_log import log_and_count
from csms.workers.relay import EventRelay

log = structlog.get_logger(__name__)


async def start_relay(
    pool: asyncpg.Pool, cluster: ClusterNode | None, stack: contextlib.AsyncExitStack
) -> EventRelay:
    """Deliver what a previous run left undelivered, then every commit's events (with
    several nodes, on JetStream too); what is delivered is marked at shutdown."""
    relay = EventRelay(
        PostgresEventOutbox(pool),
        subscribers=[log_and_count],
        forward=cluster.events.forward if cluster is not None else None,
    )
    delivered = await relay.deliver_pending()
    if delivered:
        log.info("outbox_events_redelivered", count=delivered)
    stack.push_async_callback(relay.close)
    return relay
