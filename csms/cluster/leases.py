"""Station leases: at most one node holds a station's socket across the cluster.

A lease is a key in the leases bucket (station token -> node id) with the bucket's TTL,
renewed by its holder every third of it with compare-and-set. A node that got a station's
new socket ``claim``\\ s the lease: it creates the key; if another node holds it, that node
is asked (on its release subject) to close its socket and delete its key, and the key is
created once it did. A holder that neither answers nor listens (no responders) is taken
over only once it has left the live nodes (its presence expired: killed, or cut off from
NATS, in which case it gives its sockets up itself, ``renew_forever``); until then the
claim waits. The new socket wins, as on one node (OCPP-J: one connection per station).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, Final

import structlog
from nats.errors import ConnectionClosedError, NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import BadRequestError, KeyWrongLastSequenceError, NotFoundError

from csms.cluster.link import NatsLink
from csms.cluster.names import release_subject, station_token

log = structlog.get_logger(__name__)

_RENEW_CONCURRENCY: Final = 200
_WAIT_FOR_GONE_S: Final = 0.25
_CUT_OFF: Final = (NatsTimeout, ConnectionClosedError, NoServersError)  # the link, not a key


class StationLeases:
    """This node's leases: claim, renew, drop; ``lost`` is called for one taken away."""

    def __init__(
        self,
        link: NatsLink,
        ttl_s: float,
        request_timeout_s: float,
        lost: Callable[[str], Coroutine[Any, Any, None]],
        is_live: Callable[[str], bool] = lambda node: True,
        node_ttl_s: float = 3.0,
    ) -> None:
        self._link = link
        self.ttl_s = ttl_s
        self._timeout_s = request_timeout_s
        self._lost = lost
        self._is_live = is_live  # is a node still in the live set (its presence renewed)
        self._node_ttl_s = node_ttl_s
        self._renewed_at = time.monotonic()
        self._me = link.node_id.encode()
        self.held: dict[str, int] = {}  # station id -> the lease's revision
        self._renewed: dict[str, float] = {}  # station id -> its last renewal that worked
        self._losing: set[asyncio.Task[None]] = set()

    @property
    def node_id(self) -> str:
        return self._link.node_id

    async def claim(self, station_id: str) -> bool:
        """Hold the station's lease; False when its holder, live, did not let go in time."""
        key, kv = station_token(station_id), self._link.leases
        deadline = time.monotonic() + self._timeout_s + 2 * self._node_ttl_s
        let_go = -1  # the revision a holder said it let go of (its key may have stayed)
        while time.monotonic() < deadline:
            try:
                self.held[station_id] = await kv.create(key, self._me)
                self._renewed[station_id] = time.monotonic()
                return True
            except KeyWrongLastSequenceError:
                pass
            try:
                entry = await kv.get(key)
            except NotFoundError:  # let go (deleted) or expired meanwhile: create again
                continue
            holder = (entry.value or b"").decode()
            if holder != self.node_id and entry.revision != let_go:
                left = max(0.1, min(self._timeout_s, deadline - time.monotonic()))
                answer = await self._ask_to_let_go(holder, station_id, left)
                if answer == "released":
                    let_go = entry.revision or -1
                    continue  # its key is gone; if not (a previous life's), taken below
                if answer == "wait":
                    await asyncio.sleep(_WAIT_FOR_GONE_S)
                    continue
            try:  # ours from before, let go, or its node is gone: take it over
                self.held[station_id] = await kv.update(key, self._me, last=entry.revision)
                self._renewed[station_id] = time.monotonic()
                if holder != self.node_id:
                    log.info("station_lease_taken_over", station_id=station_id, node=holder)
                return True
            except KeyWrongLastSequenceError:
                continue
        return False

    async def _ask_to_let_go(self, holder: str, station_id: str, timeout_s: float) -> str:
        """ "released" once ``holder`` closed its socket, "gone" when it has left the live
        nodes, "wait" while it is live but does not listen (reconnecting to NATS).
        Raises ``nats.errors.TimeoutError`` when a live holder does not answer in time."""
        try:
            await self._link.client.request(
                release_subject(holder), station_id.encode(), timeout=timeout_s
            )
        except NoRespondersError:
            return "wait" if self._is_live(holder) else "gone"
        except NatsTimeout:
            if self._is_live(holder):
                raise
            return "gone"
        return "released"

    async def drop(self, station_id: str) -> None:
        """Delete the station's lease if it is this node's (compare-and-set: a newer
        holder's key stays), whether or not this process made it (a previous life's)."""
        self.held.pop(station_id, None)
        self._renewed.pop(station_id, None)
        key, kv = station_token(station_id), self._link.leases
        for _ in range(3):  # a renewal in flight may move the revision once
            try:
                entry = await kv.get(key)
                if entry.value != self._me or entry.revision is None:
                    return
                await kv.delete(key, last=entry.revision)
                return
            except NotFoundError:
                return
            except (KeyWrongLastSequenceError, BadRequestError):
                continue  # moved meanwhile: look again
            except Exception:  # NATS away: the key expires with the TTL
                log.warning("station_lease_not_dropped", station_id=station_id, exc_info=True)
                return

    async def renew_forever(self) -> None:
        """Renew every third of the TTL. Cut off from NATS for longer than the TTL, this
        node gives up its sockets: another node may hold those stations by now."""
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            try:
                await self.renew_all()
                self._renewed_at = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("station_leases_not_renewed", exc_info=True)
                if time.monotonic() - self._renewed_at > self.ttl_s:
                    await self.give_up_all()

    async def give_up_all(self) -> None:
        """Close every socket of this node (its leases may be others' by now), in a task
        of its own and many at a time: whoever calls it is not held up."""
        stations, self.held = list(self.held), {}
        log.error("station_leases_expired", stations=len(stations))
        for station_id in stations:
            self._lose(station_id)

    def _lose(self, station_id: str) -> None:
        self.held.pop(station_id, None)
        self._renewed.pop(station_id, None)
        task = asyncio.create_task(self._lost_logged(station_id))
        self._losing.add(task)
        task.add_done_callback(self._losing.discard)

    async def _lost_logged(self, station_id: str) -> None:
        try:
            await self._lost(station_id)
        except Exception:
            log.exception("station_not_given_up", station_id=station_id)

    async def renew_all(self) -> None:
        """Renew every held lease, a bounded number at a time; raises when the link to NATS
        failed (a key's own trouble is that key's)."""
        stations = list(self.held)
        failures: list[BaseException] = []
        for start in range(0, len(stations), _RENEW_CONCURRENCY):
            chunk = stations[start : start + _RENEW_CONCURRENCY]
            results = await asyncio.gather(
                *(self._renew(station_id) for station_id in chunk), return_exceptions=True
            )
            failures += [r for r in results if isinstance(r, Exception)]
        too_old = time.monotonic() - self.ttl_s * 2 / 3
        for station_id in [s for s in list(self.held) if self._renewed.get(s, 0.0) < too_old]:
            log.warning("station_lease_not_renewed_in_time", station_id=station_id)
            self._lose(station_id)  # its key may expire before the next try: let it go
        if failures and len(failures) == len(stations) and isinstance(failures[0], _CUT_OFF):
            raise failures[0]  # every renewal failed on the link: cut off
        for failure in failures[:10]:
            log.warning("station_lease_not_renewed", error=repr(failure))

    async def _renew(self, station_id: str) -> None:
        revision = self.held.get(station_id)
        if revision is None:
            return
        key, kv = station_token(station_id), self._link.leases
        try:
            renewed = await kv.update(key, self._me, last=revision)
        except KeyWrongLastSequenceError:
            renewed = None
        if self.held.get(station_id) != revision:
            return  # dropped or claimed again meanwhile: that decides
        if renewed is not None:
            self.held[station_id] = renewed
            self._renewed[station_id] = time.monotonic()
            return
        try:  # a claim of our own moved the revision, or NATS lost the bucket's keys
            entry = await kv.get(key)
        except NotFoundError:
            created = await kv.create(key, self._me)
            if self.held.get(station_id) == revision:
                self.held[station_id] = created
                self._renewed[station_id] = time.monotonic()
            return
        if self.held.get(station_id) != revision:
            return
        if entry.value == self._me and entry.revision is not None:
            self.held[station_id] = entry.revision
            self._renewed[station_id] = time.monotonic()
            return
        log.warning("station_lease_lost", station_id=station_id, node=entry.value)
        self._lose(station_id)  # not in the renewal's way
