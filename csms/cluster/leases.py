"""Station leases: at most one node holds a station's socket across the cluster.

A lease is a key in the leases bucket (station token -> node id) with the bucket's TTL,
renewed by its holder every third of it with compare-and-set. A node that got a station's
new socket ``claim``\\ s the lease: it creates the key; if another node holds it, that node
is asked (on its release subject) to close its socket and let go, and the key is created
once it did; if no node answers to that id (it died), the lease is taken over by
compare-and-set. The new socket wins, as on one node (OCPP-J: one connection per station).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final

import structlog
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import KeyWrongLastSequenceError, NotFoundError

from csms.cluster.link import NatsLink
from csms.cluster.names import release_subject, station_token

log = structlog.get_logger(__name__)

_CLAIM_ATTEMPTS: Final = 8
_RENEW_CONCURRENCY: Final = 200


class StationLeases:
    """This node's leases: claim, renew, drop; ``lost`` is called for one taken away."""

    def __init__(
        self,
        link: NatsLink,
        ttl_s: float,
        request_timeout_s: float,
        lost: Callable[[str], Awaitable[None]],
        is_live: Callable[[str], bool] = lambda node: True,
    ) -> None:
        self._link = link
        self._ttl_s = ttl_s
        self._timeout_s = request_timeout_s
        self._lost = lost
        self._is_live = is_live  # is a node still in the live set (its presence renewed)
        self._renewed_at = time.monotonic()
        self._me = link.node_id.encode()
        self.held: dict[str, int] = {}  # station id -> the lease's revision

    async def claim(self, station_id: str) -> bool:
        """Hold the station's lease; False when its holder neither let go nor went away."""
        key, kv = station_token(station_id), self._link.leases
        for _ in range(_CLAIM_ATTEMPTS):
            try:
                self.held[station_id] = await kv.create(key, self._me)
                return True
            except KeyWrongLastSequenceError:
                pass
            try:
                entry = await kv.get(key)
            except NotFoundError:  # let go (deleted) or expired meanwhile: create again
                continue
            holder = (entry.value or b"").decode()
            if holder != self.node_id and await self._asked_to_let_go(holder, station_id):
                continue  # it let go: its key is gone
            try:  # ours from before, or its node is gone: take it over
                self.held[station_id] = await kv.update(key, self._me, last=entry.revision)
                if holder != self.node_id:
                    log.info("station_lease_taken_over", station_id=station_id, node=holder)
                return True
            except KeyWrongLastSequenceError:
                continue
        return False

    @property
    def node_id(self) -> str:
        return self._link.node_id

    async def _asked_to_let_go(self, holder: str, station_id: str) -> bool:
        """True once ``holder`` closed its socket; False when no node of that id listens, or
        it is silent and no longer live (cut off: it gives its sockets up itself, below).
        Raises ``nats.errors.TimeoutError`` when a live holder does not answer in time."""
        try:
            await self._link.client.request(
                release_subject(holder), station_id.encode(), timeout=self._timeout_s
            )
        except NoRespondersError:
            return False
        except NatsTimeout:
            if self._is_live(holder):
                raise
            return False
        return True

    async def drop(self, station_id: str) -> None:
        """Delete this node's lease (compare-and-set: a newer holder's key stays)."""
        revision = self.held.pop(station_id, None)
        if revision is None:
            return
        try:
            await self._link.leases.delete(station_token(station_id), last=revision)
        except KeyWrongLastSequenceError:
            pass  # another node holds it now
        except Exception:  # NATS away: the key expires with the TTL
            log.warning("station_lease_not_dropped", station_id=station_id, exc_info=True)

    async def renew_forever(self) -> None:
        """Renew every third of the TTL. Cut off from NATS for longer than the TTL, this
        node gives up its sockets: another node may hold those stations by now."""
        while True:
            await asyncio.sleep(self._ttl_s / 3)
            try:
                await self.renew_all()
                self._renewed_at = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("station_leases_not_renewed", exc_info=True)
                if time.monotonic() - self._renewed_at > self._ttl_s:
                    await self._give_up_all()

    async def _give_up_all(self) -> None:
        stations, self.held = list(self.held), {}
        log.error("station_leases_expired", stations=len(stations))
        for station_id in stations:
            await self._lost(station_id)

    async def renew_all(self) -> None:
        """Renew every held lease, a bounded number at a time."""
        stations = list(self.held)
        for start in range(0, len(stations), _RENEW_CONCURRENCY):
            chunk = stations[start : start + _RENEW_CONCURRENCY]
            await asyncio.gather(*(self._renew(station_id) for station_id in chunk))

    async def _renew(self, station_id: str) -> None:
        revision = self.held.get(station_id)
        if revision is None:
            return
        key, kv = station_token(station_id), self._link.leases
        try:
            self.held[station_id] = await kv.update(key, self._me, last=revision)
            return
        except KeyWrongLastSequenceError:
            pass
        try:  # a claim of our own moved the revision, or NATS lost the bucket's keys
            entry = await kv.get(key)
            if entry.value == self._me and entry.revision is not None:
                if station_id in self.held:
                    self.held[station_id] = entry.revision
                return
        except NotFoundError:
            self.held[station_id] = await kv.create(key, self._me)
            return
        if self.held.pop(station_id, None) is not None:
            log.warning("station_lease_lost", station_id=station_id, node=entry.value)
            await self._lost(station_id)
