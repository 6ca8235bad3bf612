"""``ClusterNode``: this process as one node of many (docs/cluster.md), assembled.

``open`` connects to NATS and joins the live nodes before anything listens; ``bind`` gives
the node this process's ``LocalGateway`` and the OCPP server's ``give_up`` (close a
station's socket here); ``run`` starts the background work: presence and leadership (the
leader runs ``leader_jobs``), lease renewal, the lease watch, other nodes' events, and the
release inbox. ``ownership`` is the OCPP server's ``StationOwnership``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from nats.aio.msg import Msg

from csms.api.cluster import ClusterBody, NodeBody
from csms.cluster.events import JetStreamEvents
from csms.cluster.gateway import ClusterGateway, CommandInbox, LeaseView
from csms.cluster.leases import StationLeases
from csms.cluster.link import NatsLink
from csms.cluster.names import release_subject
from csms.cluster.nodes import LeaderJobs, NodeDirectory
from csms.handlers.gateway import LocalGateway

log = structlog.get_logger(__name__)

GiveUp = Callable[[str], Awaitable[None]]


class ClusterOwnership:
    """Claims a station's lease before its socket is served; lets go when asked."""

    def __init__(self, leases: StationLeases, inbox: CommandInbox, give_up: GiveUp) -> None:
        self._leases = leases
        self._inbox = inbox
        self._give_up = give_up

    async def claim(self, station_id: str) -> bool:
        try:
            if not await self._leases.claim(station_id):
                log.warning("station_lease_not_claimed", station_id=station_id)
                return False
            await self._inbox.open(station_id)
            return True
        except Exception:  # NATS away or the holder silent: the station tries again
            log.warning("station_lease_not_claimed", station_id=station_id, exc_info=True)
            await self._leases.drop(station_id)
            return False

    async def release(self, station_id: str) -> None:
        await self._inbox.close(station_id)
        await self._leases.drop(station_id)

    async def lost(self, station_id: str) -> None:
        """Another node holds the lease now: this node's socket must go."""
        await self._inbox.close(station_id)
        await self._give_up(station_id)

    async def on_release_request(self, msg: Msg) -> None:
        """Another node has the station's new socket: close ours, drop the lease, answer."""
        station_id = msg.data.decode(errors="replace")
        await self._inbox.close(station_id)
        await self._give_up(station_id)
        await self._leases.drop(station_id)
        await msg.respond(b"released")


class ClusterNode:
    def __init__(self, link: NatsLink, directory: NodeDirectory, settings_ttl: float) -> None:
        self.link = link
        self.directory = directory
        self.events = JetStreamEvents(link)
        self.leases_view = LeaseView(link, lambda: directory.live)
        self._lease_ttl_s = settings_ttl
        self._tasks: list[asyncio.Task[None]] = []
        self.ownership: ClusterOwnership | None = None
        self._leases: StationLeases | None = None

    @property
    def node_id(self) -> str:
        return self.link.node_id

    @classmethod
    async def open(
        cls,
        url: str,
        node_id: str,
        *,
        lease_ttl_s: float,
        node_ttl_s: float,
        on_tick: Callable[[set[str]], Awaitable[None]] | None = None,
    ) -> ClusterNode:
        link = await NatsLink.open(url, node_id, lease_ttl_s=lease_ttl_s, node_ttl_s=node_ttl_s)
        directory = NodeDirectory(link, node_ttl_s, on_tick=on_tick)
        await directory.join()
        log.info("cluster_joined", nats_url=url, live_nodes=sorted(directory.live))
        return cls(link, directory, lease_ttl_s)

    def others(self) -> list[str]:
        """The other live nodes (their stations' flags stay at this node's start-up)."""
        return sorted(self.directory.live - {self.node_id})

    def bind(
        self, local: LocalGateway, give_up: GiveUp, call_timeout_s: float, request_timeout_s: float
    ) -> ClusterGateway:
        """The gateway over the cluster, and this node's ownership of stations."""
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
        )
        self.ownership = ClusterOwnership(self._leases, inbox, give_up)
        return ClusterGateway(local, self.link, self.leases_view, call_timeout_s)

    async def run(self, leader_jobs: LeaderJobs) -> None:
        """Start the background work (stopped by ``close``)."""
        assert self.ownership is not None
        assert self._leases is not None
        ownership = self.ownership
        running: set[asyncio.Task[None]] = set()

        async def on_release(msg: Msg) -> None:  # concurrently: many stations move at once
            task = asyncio.create_task(ownership.on_release_request(msg))
            running.add(task)
            task.add_done_callback(running.discard)

        await self.link.client.subscribe(release_subject(self.node_id), cb=on_release)
        for job, name in (
            (self.directory.run(leader_jobs), "cluster-presence"),
            (self._leases.renew_forever(), "cluster-leases"),
            (self.leases_view.watch_forever(), "cluster-lease-watch"),
            (self.events.follow(), "cluster-events"),
        ):
            self._tasks.append(asyncio.create_task(job, name=name))

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
