"""``ClusterGateway``: the ``StationGateway`` port over NATS request/reply.

A station held here is sent its command directly (``LocalGateway``); any other gets it on
its command subject, to which only the node holding its socket subscribes (``CommandInbox``
opens the subscription once the station's lease is held and closes it when the socket
ends). That node sends it through its own ``LocalGateway``, so the per-station queue limit
and the call deadline are the station's, whichever node the operator asked; "no
responders" means no node holds the station: ``StationNotConnected`` at once. The audit is
written by the node that got the operator's call (``AuditedGateway`` wraps this).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from csms.cluster.codec import (
    decode_answer,
    decode_command,
    encode_command,
    encode_error,
    encode_result,
)
from csms.cluster.link import NatsLink
from csms.cluster.names import command_subject, station_of_token
from csms.errors import InvalidInput, StationCommandError, StationNotConnected, StationTimeout
from csms.handlers.gateway import LocalGateway
from csms.station_commands.commands import CommandResult, StationCommand

log = structlog.get_logger(__name__)

_ROUTE_MARGIN_S = 5.0  # the holder's own deadline ends first; this only bounds a lost reply


class LeaseView:
    """Every node's leases as this node last saw them (a watch of the leases bucket)."""

    def __init__(self, link: NatsLink, live_nodes: Any, ttl_s: float) -> None:
        self._link = link
        self._live_nodes = live_nodes  # () -> set of live node ids
        self._ttl_s = ttl_s  # a key not renewed for this long has expired (no watch event)
        self.holders: dict[str, tuple[str, int]] = {}  # station id -> node id, revision
        self._seen: dict[str, float] = {}  # station id -> when its key was last written
        self.loaded = asyncio.Event()  # the bucket's keys as they were when the watch began

    async def watch_forever(self) -> None:
        watcher = await self._link.leases.watchall()
        try:
            async for entry in watcher:
                if entry is None:  # the initial values are in
                    self.loaded.set()
                    continue
                station_id = station_of_token(entry.key)
                if entry.operation is None and entry.value:
                    self.holders[station_id] = (entry.value.decode(), entry.revision or 0)
                    self._seen[station_id] = time.monotonic()
                else:
                    self.holders.pop(station_id, None)
                    self._seen.pop(station_id, None)
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]

    def held_by(self, node_id: str) -> list[tuple[str, int]]:
        """The stations (and their lease revisions) ``node_id`` holds as last seen."""
        return [(s, rev) for s, (node, rev) in self.holders.items() if node == node_id]

    def _current(self, station_id: str) -> bool:
        return time.monotonic() - self._seen.get(station_id, 0.0) < self._ttl_s

    def holds(self, station_id: str) -> bool:
        holder = self.holders.get(station_id)
        live = holder is not None and holder[0] in self._live_nodes()
        return live and self._current(station_id)

    def stations_per_node(self) -> dict[str, int]:
        live = self._live_nodes()
        counts = dict.fromkeys(sorted(live), 0)
        for station_id, (node, _) in self.holders.items():
            if node in counts and self._current(station_id):
                counts[node] += 1
        return counts


class ClusterGateway:
    def __init__(
        self, local: LocalGateway, link: NatsLink, leases: LeaseView, call_timeout_s: float
    ) -> None:
        self._local = local
        self._link = link
        self._leases = leases
        self._timeout_s = call_timeout_s + _ROUTE_MARGIN_S

    def is_connected(self, station_id: str) -> bool:
        """Held here, or by a live node as far as the lease watch knows."""
        return self._local.is_connected(station_id) or self._leases.holds(station_id)

    async def send(self, station_id: str, command: StationCommand) -> CommandResult:
        if self._local.is_connected(station_id):
            return await self._local.send(station_id, command)
        try:
            reply = await self._link.client.request(
                command_subject(station_id), encode_command(command), timeout=self._timeout_s
            )
        except NoRespondersError:
            raise StationNotConnected(station_id) from None
        except NatsTimeout:
            raise StationTimeout(station_id, type(command).__name__, self._timeout_s) from None
        return decode_answer(reply.data)


class CommandInbox:
    """The command subjects of the stations held here, answered by ``LocalGateway``."""

    def __init__(self, link: NatsLink, local: LocalGateway) -> None:
        self._link = link
        self._local = local
        self._subscriptions: dict[str, Subscription] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def open(self, station_id: str) -> None:
        if station_id in self._subscriptions:
            return

        async def on_command(msg: Msg) -> None:  # one task each: the queue limit applies
            task = asyncio.create_task(self._answer(station_id, msg))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

        self._subscriptions[station_id] = await self._link.client.subscribe(
            command_subject(station_id), cb=on_command
        )

    async def close(self, station_id: str) -> None:
        subscription = self._subscriptions.pop(station_id, None)
        if subscription is not None:
            try:
                await subscription.unsubscribe()
            except Exception:  # the connection is closing: the subscription goes with it
                log.debug("command_unsubscribe_failed", station_id=station_id)

    async def _answer(self, station_id: str, msg: Msg) -> None:
        """Answer for the station held here; silent otherwise (a subscription being closed):
        the holder's answer is then the only one."""
        if not self._local.is_connected(station_id):
            return
        try:
            command = decode_command(msg.data)
        except Exception as exc:  # anything the bus sent that is not a command
            await self._respond(
                station_id, msg, encode_error(InvalidInput(f"not a command: {exc!r}"))
            )
            return
        try:
            answer = encode_result(await self._local.send(station_id, command))
        except (StationCommandError, InvalidInput) as exc:
            answer = encode_error(exc)
        except Exception as exc:
            log.exception("routed_command_failed", station_id=station_id)
            answer = encode_error(StationCommandError(f"the station's node failed: {exc!r}"))
        await self._respond(station_id, msg, answer)

    @staticmethod
    async def _respond(station_id: str, msg: Msg, answer: bytes) -> None:
        try:
            await msg.respond(answer)
        except Exception:  # the caller gave up, or NATS is away: its deadline answers
            log.warning("routed_command_answer_lost", station_id=station_id)
