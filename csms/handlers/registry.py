"""The live connections of this node, one per station; a reconnect replaces the old one.

OCPP-J (1.6J §3, 2.0.1 Part 4 §3) has one websocket per station; the hand-over from an
old socket to a new one happens under that station's lock (:meth:`ConnectionRegistry.
handover`), so it is serialised however many sockets arrive at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from csms.handlers.connection import StationConnection
from csms.station_commands.commands import StationCommand


class Adapter(Protocol):
    """What the server and the gateway need from a version adapter (``v16/``, ``v201/``)."""

    after_reply: Callable[[Callable[[], Coroutine[Any, Any, Any]]], None] | None

    def to_call(self, command: StationCommand) -> Any: ...


@dataclass(frozen=True, slots=True)
class LiveStation:
    """A station's open connection and the version adapter that speaks for it."""

    connection: StationConnection
    adapter: Adapter
    stopped: asyncio.Event = field(default_factory=asyncio.Event)  # set once run() returned


class StationOwnership(Protocol):
    """Which node holds a station's one socket across the cluster (``csms.cluster``).

    ``claim`` is called under the station's hand-over lock before a socket is made its
    connection (False: another node could not be made to let go; refuse the socket);
    ``release`` after the station's connection here ended.
    """

    async def claim(self, station_id: str) -> bool: ...
    async def release(self, station_id: str) -> None: ...


class OnlyNode:
    """One node alone: every station is this node's."""

    async def claim(self, station_id: str) -> bool:
        return True

    async def release(self, station_id: str) -> None:
        return None


class ConnectionRegistry:
    """Who is connected here: station id -> :class:`LiveStation`."""

    def __init__(self) -> None:
        self._live: dict[str, LiveStation] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, holders and waiters

    @asynccontextmanager
    async def handover(self, station_id: str) -> AsyncIterator[None]:
        """Hold the station's lock: register, replace and remove its connection under it.

        FIFO (``asyncio.Lock``), so simultaneous arrivals are served in order; the lock is
        dropped once nobody holds or waits for it.
        """
        lock, users = self._locks.get(station_id, (asyncio.Lock(), 0))
        self._locks[station_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[station_id]
            if users == 1:
                del self._locks[station_id]
            else:
                self._locks[station_id] = (lock, users - 1)

    def __contains__(self, station_id: object) -> bool:
        return station_id in self._live

    def __len__(self) -> int:
        return len(self._live)

    def get(self, station_id: str) -> LiveStation | None:
        """The station's live connection, or None."""
        return self._live.get(station_id)

    def all(self) -> list[LiveStation]:
        """Every live connection, as a list that later changes do not affect."""
        return list(self._live.values())

    def register(self, station_id: str, live: LiveStation) -> None:
        """Make ``live`` the station's connection; the caller closed any previous one."""
        self._live[station_id] = live

    def remove(self, station_id: str, connection: StationConnection) -> bool:
        """Forget ``connection`` if it is still the station's; False once it was replaced."""
        live = self._live.get(station_id)
        if live is None or live.connection is not connection:
            return False
        del self._live[station_id]
        return True
