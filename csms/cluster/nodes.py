"""The live nodes and their leader, from the nodes bucket (a KV with a short TTL).

Every node puts its own key (``node.{id}``) every third of the TTL, from the moment it
joins; a node whose key expired (killed, partitioned) is no longer live. One key,
``leader``, is created by whichever node finds it absent and renewed by its holder with
compare-and-set: the leader runs the jobs that must run once per cluster (mail,
reservations' and invoices' clocks, power sharing, stale sessions) and clears the
connected flags of nodes gone for two renewals in a row. A leader that could not renew
for two thirds of the TTL steps down (stops its jobs) before another node can take over.
``share`` is this node's part of the cluster-wide limits: 1 / the live nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import structlog
from nats.js.errors import KeyWrongLastSequenceError, NoKeysError, NotFoundError

from csms.cluster.link import NatsLink
from csms.cluster.names import LEADER_KEY, NODE_KEY_PREFIX, node_key

log = structlog.get_logger(__name__)

LeaderJobs = Callable[[], list[asyncio.Task[None]]]
Cleaner = Callable[[set[str]], Coroutine[Any, Any, None]]


class NodeDirectory:
    """This node's presence, the set of live nodes and whether this node leads."""

    def __init__(self, link: NatsLink, ttl_s: float) -> None:
        self._link = link
        self._ttl_s = ttl_s
        self._facts = {"started_at": datetime.now(UTC).isoformat()}
        self.live: set[str] = {link.node_id}
        self._seen_before: set[str] = set(self.live)
        self.leader: str | None = None
        self._leader_revision = 0
        self._led_at = 0.0
        self._jobs: list[asyncio.Task[None]] = []
        self._start_jobs: LeaderJobs | None = None
        self.cleaner: Cleaner | None = None  # the leader's: flags of nodes gone
        self._cleaning: asyncio.Task[None] | None = None
        self.cut_off: Callable[[], Coroutine[Any, Any, None]] | None = None  # give sockets up
        self._announced_at = time.monotonic()
        self._was_cut_off = False
        self._resigned = False  # shutting down: leads no more
        self._cleaned_at = 0.0

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

    def lead_with(self, start_jobs: LeaderJobs) -> None:
        """The jobs to run while this node leads (started at once if it leads already)."""
        self._start_jobs = start_jobs
        if self.is_leader and not self._jobs:
            self._jobs = start_jobs()

    async def run(self) -> None:
        """Renew presence and leadership every third of the TTL, for ever."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._ttl_s / 3):  # a hung call is a failure
                        await self._tick()
                except asyncio.CancelledError:
                    raise
                except Exception:  # NATS away for a moment: keep what we knew, try again
                    log.warning("cluster_tick_failed", exc_info=True)
                    await self._step_back()
                await asyncio.sleep(self._ttl_s / 3)
        finally:
            await self.stop_jobs()

    async def _tick(self) -> None:
        sent = time.monotonic()  # the key lives from when it was sent, not answered
        await self._announce()
        self._announced_at, self._was_cut_off = sent, False
        await self._read_live()
        await self._lead()
        self._clean()

    async def resign(self) -> None:
        """Shutdown: stop the leader's jobs and hand the leadership on at once."""
        self._resigned, self._start_jobs = True, None
        await self.stop_jobs()
        if self.is_leader:
            self.leader = None
            with contextlib.suppress(Exception):
                await self._link.nodes.delete(LEADER_KEY, last=self._leader_revision)

    async def _step_back(self) -> None:
        """Not renewed for two thirds of the TTL: before the others may count this node as
        gone (and take its stations and the leadership), it stops leading and gives up its
        sockets, so no station is served by two nodes."""
        late = time.monotonic() - self._ttl_s * 2 / 3
        if self.is_leader and self._led_at < late:
            await self._became(None)
        if self._announced_at < late and not self._was_cut_off and self.cut_off is not None:
            self._was_cut_off = True
            log.error("cluster_presence_lost", detail="closing this node's sockets")
            await self.cut_off()

    async def leave(self) -> None:
        """Shutdown: drop the presence key and the leadership so others see it at once."""
        await self.stop_jobs()
        with contextlib.suppress(Exception):
            await self._link.nodes.delete(node_key(self._link.node_id))
            if self.is_leader:
                await self._link.nodes.delete(LEADER_KEY, last=self._leader_revision)

    async def _announce(self) -> None:
        await self._link.nodes.put(node_key(self._link.node_id), json.dumps(self._facts).encode())

    async def _read_live(self) -> None:
        try:
            keys = await self._link.nodes.keys()
        except (NoKeysError, NotFoundError):  # an empty bucket
            keys = []
        found = {k[len(NODE_KEY_PREFIX) :] for k in keys if k.startswith(NODE_KEY_PREFIX)}
        self._seen_before = self.live
        self.live = found | {self._link.node_id}

    async def _lead(self) -> None:
        if self._resigned:
            return
        me = self._link.node_id.encode()
        nodes = self._link.nodes
        leader: str | None = self._link.node_id
        try:
            if self.is_leader:
                self._leader_revision = await nodes.update(
                    LEADER_KEY, me, last=self._leader_revision
                )
            else:
                self._leader_revision = await nodes.create(LEADER_KEY, me)
        except KeyWrongLastSequenceError:
            try:
                entry = await nodes.get(LEADER_KEY)
                leader = (entry.value or b"").decode() or None
                if leader == self._link.node_id:  # our renewal's answer was lost
                    self._leader_revision = entry.revision or 0
            except NotFoundError:
                leader = None
        if leader == self._link.node_id:
            self._led_at = time.monotonic()
        await self._became(leader)

    async def _became(self, leader: str | None) -> None:
        was_leader = self.is_leader
        if leader != self.leader:
            log.info("cluster_leader", leader=leader, this_node=leader == self._link.node_id)
        self.leader = leader
        if self.is_leader and not was_leader and self._start_jobs is not None:
            self._jobs = self._start_jobs()
        elif was_leader and not self.is_leader:
            await self.stop_jobs()

    def _clean(self) -> None:
        """The leader clears the flags of nodes absent from two renewals in a row (a live
        node whose presence lapsed once keeps its stations' flags), in a task of its own:
        a slow database must not hold the renewal up."""
        busy = self._cleaning is not None and not self._cleaning.done()
        due = bool(self._seen_before - self.live) or time.monotonic() - self._cleaned_at > 10
        if self.cleaner is None or not self.is_leader or busy or not due:
            return
        self._cleaned_at = time.monotonic()
        self._cleaning = asyncio.create_task(self.cleaner(self.live | self._seen_before))

    async def stop_jobs(self) -> None:
        if self._cleaning is not None:
            self._cleaning.cancel()
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.cancel()
        if jobs:
            await asyncio.wait(jobs, timeout=5)
