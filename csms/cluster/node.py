"""``ClusterNode``: this process as one node of many (docs/cluster.md), assembled.

``open`` connects to NATS, joins the live nodes and keeps its presence renewed from then
on, and drops the leases a previous life of this node id left; ``bind`` gives the node this
process's ``LocalGateway`` and the OCPP server's ``give_up`` and listens for release
requests, all before the OCPP server listens; ``run`` adds the leader's jobs, lease renewal
and the other nodes' events. ``ownership`` is the OCPP server's ``StationOwnership``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog
from nats.aio.msg import Msg

from csms.api.cluster import ClusterBody, NodeBody
from csms.cluster.events import JetStreamEvents
from csms.cluster.gateway import ClusterGateway, CommandInbox, LeaseView
from csms.cluster.leases import StationLeases
from csms.cluster.link import NatsLink
from csms.cluster.names import release_subject, station_token
from csms.cluster.nodes import LeaderJobs, NodeDirectory
from csms.handlers.gateway import LocalGateway

log = structlog.get_logger(__name__)

GiveUp = Callable[[str, Callable[[], Awaitable[None]], Callable[[], bool]], Awaitable[None]]
_LOAD_TIMEOUT_S = 10.0


class ClusterOwnership:
    """Claims a station's lease before its socket is served; lets go when asked."""

    def __init__(self, leases: StationLeases, inbox: CommandInbox, give_up: GiveUp) -> None:
        self._leases = leases
        self._inbox = inbox
        self._give_up = give_up
        self._answering: set[asyncio.Task[None]] = set()

    async def claim(self, station_id: str) -> bool:
        try:
            if await self._leases.claim(station_id):
                await self._inbox.open(station_id)
                return True
            log.warning("station_lease_not_claimed", station_id=station_id)
        except Exception:  # NATS away or the holder silent: the station tries again
            log.warning("station_lease_not_claimed", station_id=station_id, exc_info=True)
        await self.release(station_id)
        return False

    async def release(self, station_id: str) -> None:
        await self._inbox.close(station_id)
        await self._leases.drop(station_id)

    async def lost(self, station_id: str) -> None:
        """Another node holds the lease now: this node's socket goes, unless claimed here
        again meanwhile."""

        async def then() -> None:
            if station_id not in self._leases.held:
                await self._inbox.close(station_id)

        await self._give_up(station_id, then, lambda: station_id in self._leases.held)

    def on_release_request(self, msg: Msg) -> None:
        task = asyncio.create_task(self._release_for(msg))  # many stations move at once
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _release_for(self, msg: Msg) -> None:
        """Another node has the station's new socket: under the station's lock close ours,
        stop answering its commands and drop the lease, then say so."""
        station_id = msg.data.decode(errors="replace")

        async def then() -> None:
            await self.release(station_id)

        try:
            await self._give_up(station_id, then, lambda: False)
            await msg.respond(b"released")
        except Exception:
            log.exception("station_release_failed", station_id=station_id)


class ClusterNode:
    def __init__(self, link: NatsLink, directory: NodeDirectory, lease_ttl_s: float) -> None:
        self.link = link
        self.directory = directory
        self.events = JetStreamEvents(link)
        self.leases_view = LeaseView(link, lambda: directory.live, lease_ttl_s)
        self._lease_ttl_s = lease_ttl_s
        self._node_ttl_s = 3.0
        self._tasks: list[asyncio.Task[None]] = []
        self.ownership: ClusterOwnership | None = None
        self._leases: StationLeases | None = None

    @property
    def node_id(self) -> str:
        return self.link.node_id

    @classmethod
    async def open(
        cls, url: str, node_id: str, *, lease_ttl_s: float, node_ttl_s: float
    ) -> ClusterNode:
        link = await NatsLink.open(url, node_id, lease_ttl_s=lease_ttl_s, node_ttl_s=node_ttl_s)
        try:
            node_ttl_s = await link.bucket_ttl_s(link.nodes, node_ttl_s)
            directory = NodeDirectory(link, node_ttl_s)
            await directory.join()
            node = cls(link, directory, await link.bucket_ttl_s(link.leases, lease_ttl_s))
        except BaseException:
            await link.close()
            raise
        node._node_ttl_s = node_ttl_s
        node._start(directory.run(), "cluster-presence")
        node._start(node.leases_view.watch_forever(), "cluster-lease-watch")
        try:
            await node._drop_previous_life()
        except BaseException:
            await node.close()
            raise
        log.info("cluster_joined", nats_url=url, live_nodes=sorted(directory.live))
        return node

    def _start(self, job: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(job, name=name))

    async def _drop_previous_life(self) -> None:
        """Leases of this node id that this process does not hold (a restart after a
        crash) are deleted, so its stations are free at once."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.leases_view.loaded.wait(), _LOAD_TIMEOUT_S)
        stale = self.leases_view.held_by(self.node_id)
        for station_id, revision in stale:
            with contextlib.suppress(Exception):  # best effort: else they expire
                await self.link.leases.delete(station_token(station_id), last=revision)
        if stale:
            log.info("station_leases_of_previous_run_dropped", count=len(stale))

    def others(self) -> list[str]:
        """The other live nodes (their stations' flags stay at this node's start-up)."""
        return sorted(self.directory.live - {self.node_id})

    async def bind(
        self, local: LocalGateway, give_up: GiveUp, call_timeout_s: float, request_timeout_s: float
    ) -> ClusterGateway:
        """The gateway over the cluster, this node's ownership of stations, and its inbox
        for release requests (listening before any station connects)."""
        inbox = CommandInbox(self.link, local)

        async def lost(station_id: str) -> None:
            assert self.ownership is not None
            await self.ownership.lost(station_id)

        self._leases = StationLeases(
            self.link,
            self._lease_ttl_s,
            request_timeout_s,
            lost,
            is_live=lambda node: node in self.directory.live,
            node_ttl_s=self._node_ttl_s,
        )
        ownership = self.ownership = ClusterOwnership(self._leases, inbox, give_up)
        self.directory.cut_off = self._leases.give_up_all

        async def on_release(msg: Msg) -> None:
            ownership.on_release_request(msg)

        await self.link.client.subscribe(release_subject(self.node_id), cb=on_release)
        return ClusterGateway(local, self.link, self.leases_view, call_timeout_s)

    def run(self, leader_jobs: LeaderJobs) -> None:
        """The leader's jobs, lease renewal and the other nodes' events (until ``close``)."""
        assert self._leases is not None
        self.directory.lead_with(leader_jobs)
        self._start(self._leases.renew_forever(), "cluster-leases")
        self._start(self.events.follow(), "cluster-events")

    async def stop_leading(self) -> None:
        """At shutdown, before the OCPP server and the writers stop: the leader's jobs end."""
        await self.directory.resign()

    async def close(self) -> None:
        """After the OCPP server stopped: leave the cluster, then NATS."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        await self.directory.leave()
        with contextlib.suppress(Exception):
            await self.link.close()

    def cluster(self) -> ClusterBody:
        """``GET /api/cluster``."""
        counts = self.leases_view.stations_per_node()
        leader = self.directory.leader
        nodes = [
            NodeBody(node_id=n, stations=c, leader=n == leader, this_node=n == self.node_id)
            for n, c in counts.items()
        ]
        return ClusterBody(mode="nats", node_id=self.node_id, leader=leader, nodes=nodes)
