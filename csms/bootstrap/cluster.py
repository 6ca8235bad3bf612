"""Joining the cluster when ``nats_url`` is set (docs/cluster.md); without it, one node."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import structlog

from csms.bootstrap.invoicing import Invoicing
from csms.bootstrap.services import NodePlace, Services
from csms.clock import Clock
from csms.cluster.node import ClusterNode
from csms.settings import Settings
from csms.stations.service import StationService
from csms.storage.mail import PostgresMailQueue
from csms.storage.read_model import PostgresReadModel
from csms.workers.mail import run_mail_worker
from csms.workers.reservation_clock import run_reservation_clock
from csms.workers.smart_charging import SmartChargingLoop
from csms.workers.stale_sessions import stale_sessions_watch as stale_watch
from csms.workers.ticks import run_ticks

log = structlog.get_logger(__name__)


async def join_cluster(settings: Settings, stack: contextlib.AsyncExitStack) -> ClusterNode | None:
    """Connect to NATS and be seen as a live node before anything listens; left (after the
    OCPP server stopped: the exit stack runs backwards) when the system stops."""
    if not settings.nats_url:
        return None
    cluster = await ClusterNode.open(
        settings.nats_url,
        settings.node_id,
        lease_ttl_s=settings.cluster_lease_ttl_s,
        node_ttl_s=settings.cluster_node_ttl_s,
    )
    stack.push_async_callback(cluster.close)
    if "payment_sandbox_secret" not in settings.model_fields_set:
        log.warning(  # the sandbox's callback may reach any node: each would refuse the others'
            "payment_sandbox_secret_per_node",
            detail="set CSMS_PAYMENT_SANDBOX_SECRET to the same value on every node",
        )
    return cluster


def node_place(settings: Settings, cluster: ClusterNode | None) -> NodePlace:
    """This node's id and its part of the cluster-wide limits (the whole when alone)."""
    return NodePlace(settings.node_id, cluster.directory.share if cluster else None)


def dead_nodes_cleaner(stations: StationService) -> Callable[[set[str]], Coroutine[Any, Any, None]]:
    """The leader's tick: a node gone from the live set (killed) leaves connected flags
    behind; they are cleared (its stations reconnect to the others and set their own)."""

    async def clear(live: set[str]) -> None:
        try:
            await stations.reset_connections(sorted(live))
        except Exception:  # the database away: the next renewal tries again
            log.warning("dead_nodes_flags_not_cleared", exc_info=True)

    return clear


Job = tuple[Callable[[], Coroutine[Any, Any, None]], str]


def once_per_cluster(
    settings: Settings,
    pool: asyncpg.Pool,
    services: Services,
    invoicing: Invoicing,
    sharing: SmartChargingLoop,
    clock: Clock,
) -> list[Job]:
    """The jobs that run once per cluster (on its leader; a node alone leads itself):
    reservations' and invoices' clocks, power sharing, mail, stale sessions."""
    reservations = services.reservations.clock
    return [
        (lambda: run_reservation_clock(reservations, settings.reservation_poll_s), "reservations"),
        (
            lambda: run_ticks(invoicing.clock.tick, settings.invoice_poll_s, "invoicing"),
            "invoicing",
        ),
        (sharing.run, "power-sharing"),
        (lambda: run_mail_worker(PostgresMailQueue(pool), settings.outbox_poll_s), "mail"),
        (lambda: stale_watch(PostgresReadModel(pool), clock, settings), "stale"),
    ]
