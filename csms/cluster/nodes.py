"""The live nodes and their leader, from the nodes bucket (a KV with a short TTL).

Every node puts its own key every third of the TTL; a node whose key expired (killed,
partitioned) is no longer live. One key, ``leader``, is created by whichever node finds it
absent and renewed by its holder with compare-and-set: the leader runs the jobs that must
run once per cluster (mail, reservations' and invoices' clocks, power sharing, stale
sessions, clearing a dead node's connected flags). ``share`` is this node's part of the
cluster-wide limits: 1 / the live nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError

from csms.cluster.link import NatsLink
from csms.cluster.names import LEADER_KEY

log = structlog.get_logger(__name__)

LeaderJobs = Callable[[], list[asyncio.Task[None]]]


class NodeDirectory:
    """This node's presence, the set of live nodes and whether this node leads."""

    def __init__(
        self,
        link: NatsLink,
        ttl_s: float,
        *,
        facts: dict[str, object] | None = None,
        on_tick: Callable[[set[str]], Awaitable[None]] | None = None,
    ) -> None:
        self._link = link
        self._ttl_s = ttl_s
        self._facts = {**(facts or {}), "started_at": datetime.now(UTC).isoformat()}
        self.on_tick = on_tick  # the leader's, when a node left (clean up after it)
        self.live: set[str] = {link.node_id}
        self.leader: str | None = None
        self._leader_revision = 0
        self._jobs: list[asyncio.Task[None]] = []
        self._start_jobs: LeaderJobs | None = None

    @property
    def is_leader(self) -> bool:
        return self.leader == self._link.node_id

    def share(self) -> float:
        """This node's part of a cluster-wide rate or limit."""
        return 1.0 / max(1, len(self.live))

    async def join(self) -> None:
        """Be seen as live before any station connects; learn the others."""
        await self._announce()
        await self._read_live()

    async def run(self, start_jobs: LeaderJobs) -> None:
        """Renew presence and leadership every third of the TTL, for ever."""
        self._start_jobs = start_jobs
        try:
            while True:
                try:
                    await self._announce()
                    before, was_leader = set(self.live), self.is_leader
                    await self._read_live()
                    await self._lead()
                    someone_left = bool(before - self.live) or not was_leader
                    if self.on_tick is not None and self.is_leader and someone_left:
                        await self.on_tick(set(self.live))
                except asyncio.CancelledError:
                    raise
                except Exception:  # NATS away for a moment: keep what we knew, try again
                    log.warning("cluster_tick_failed", exc_info=True)
                await asyncio.sleep(self._ttl_s / 3)
        finally:
            await self._stop_jobs()

    async def leave(self) -> None:
        """Shutdown: drop the presence key and the leadership so others see it at once."""
        await self._stop_jobs()
        with contextlib.suppress(Exception):
            await self._link.nodes.delete(self._link.node_id)
            if self.is_leader:
                await self._link.nodes.delete(LEADER_KEY, last=self._leader_revision)

    async def _announce(self) -> None:
        await self._link.nodes.put(self._link.node_id, json.dumps(self._facts).encode())

    async def _read_live(self) -> None:
        try:
            keys = await self._link.nodes.keys()
        except NotFoundError:  # an empty bucket
            keys = []
        self.live = {key for key in keys if key != LEADER_KEY} | {self._link.node_id}

    async def _lead(self) -> None:
        me = self._link.node_id.encode()
        nodes = self._link.nodes
        try:
            if self.is_leader:
                self._leader_revision = await nodes.update(
                    LEADER_KEY, me, last=self._leader_revision
                )
            else:
                self._leader_revision = await nodes.create(LEADER_KEY, me)
            leader: str | None = self._link.node_id
        except KeyWrongLastSequenceError:
            try:
                leader = (await nodes.get(LEADER_KEY)).value.decode()  # type: ignore[union-attr]
            except KeyNotFoundError:
                leader = None
        await self._became(leader)

    async def _became(self, leader: str | None) -> None:
        was_leader = self.is_leader
        if leader != self.leader:
            log.info("cluster_leader", leader=leader, this_node=leader == self._link.node_id)
        self.leader = leader
        if self.is_leader and not was_leader and self._start_jobs is not None:
            self._jobs = self._start_jobs()
        elif was_leader and not self.is_leader:
            await self._stop_jobs()

    async def _stop_jobs(self) -> None:
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.cancel()
        if jobs:
            await asyncio.wait(jobs, timeout=5)
