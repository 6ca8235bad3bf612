"""The node's connection to NATS and the JetStream places every node shares.

``NatsLink.open`` connects (reconnecting for ever: a short NATS outage must not end the
node), then creates or opens the two KV buckets and the events stream. Creating them is
idempotent, so any node may start first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import BadRequestError
from nats.js.kv import KeyValue

from csms.cluster.names import EVENTS_STREAM, EVENTS_SUBJECTS, LEASES_BUCKET, NODES_BUCKET
from csms.errors import CsmsError

log = structlog.get_logger(__name__)

EVENTS_DUPLICATE_WINDOW_S = 300.0  # a redelivered event (same id) within it is stored once
EVENTS_MAX_AGE_S = 7 * 86400.0


@dataclass
class NatsLink:
    node_id: str
    client: Client
    js: JetStreamContext
    leases: KeyValue
    nodes: KeyValue

    @classmethod
    async def open(
        cls, url: str, node_id: str, *, lease_ttl_s: float, node_ttl_s: float
    ) -> NatsLink:
        try:
            client = await _connect(url, node_id)
        except Exception as exc:  # no server there, or it refused us
            raise CsmsError(f"cannot connect to NATS at {url}: {exc!r}") from exc
        js = client.jetstream()
        leases = await _bucket(js, LEASES_BUCKET, lease_ttl_s)
        nodes = await _bucket(js, NODES_BUCKET, node_ttl_s)
        await _events_stream(js)
        return cls(node_id, client, js, leases, nodes)

    async def bucket_ttl_s(self, bucket: KeyValue, configured_s: float) -> float:
        """A bucket's TTL as it is (a bucket made by a node with another setting keeps its
        own): renewals must follow the bucket, not this node's setting."""
        try:
            actual = (await bucket.status()).ttl
        except Exception:
            return configured_s
        if actual and abs(actual - configured_s) > 0.01:
            log.warning("cluster_ttl_differs", configured_s=configured_s, bucket_s=actual)
        return float(actual) if actual else configured_s

    async def close(self) -> None:
        """Flush what was published and leave (the node's subscriptions end with it)."""
        if not self.client.is_closed:
            await self.client.drain()


async def _connect(url: str, node_id: str) -> Client:
    return await nats.connect(
        url,
        name=f"csms-{node_id}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        disconnected_cb=_logged("nats_disconnected"),
        reconnected_cb=_logged("nats_reconnected"),
        error_cb=_error_logged,
        allow_reconnect=True,
    )


async def _bucket(js: JetStreamContext, name: str, ttl_s: float) -> KeyValue:
    try:
        return await js.create_key_value(
            KeyValueConfig(bucket=name, ttl=ttl_s, history=1, storage=StorageType.FILE)
        )
    except BadRequestError:  # it exists (perhaps with another TTL): use it as it is
        return await js.key_value(name)


async def _events_stream(js: JetStreamContext) -> None:
    config = StreamConfig(
        name=EVENTS_STREAM,
        subjects=[EVENTS_SUBJECTS],
        duplicate_window=EVENTS_DUPLICATE_WINDOW_S,
        max_age=EVENTS_MAX_AGE_S,
        storage=StorageType.FILE,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


def _logged(event: str) -> Any:
    async def callback() -> None:
        log.warning(event)

    return callback


async def _error_logged(exc: Exception) -> None:
    log.warning("nats_error", error=str(exc))
