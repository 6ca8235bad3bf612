"""The OCPP websocket server: listen, serve each station's connection, stop gracefully.

The handshake (path, subprotocol, credentials) is :mod:`csms.handlers.handshake`; who is
connected is :mod:`csms.handlers.registry`; the API reaches stations through
:class:`csms.handlers.gateway.LocalGateway` over that registry.

One live socket per station (OCPP-J 1.6J §3, 2.0.1 Part 4 §3): a new socket is served only
after, under the station's hand-over lock, the previous one is closed and its worker has
finished, so one station's messages are handled one at a time, in order; the station's
connected flag is written under the same lock, so it matches the socket live at the end.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import structlog
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.protocol import State

from csms.handlers.adapter import AdapterServices
from csms.handlers.boot_deadline import BootDeadline
from csms.handlers.connection import StationConnection, VersionWire
from csms.handlers.handshake import (
    SUBPROTOCOLS,
    Handshake,
    close_without_subprotocol,
    select_subprotocol,
    station_id_from_path,
    tls_context,
)
from csms.handlers.registry import ConnectionRegistry, LiveStation, OnlyNode, StationOwnership
from csms.handlers.routing import actions_of, handlers_of
from csms.handlers.v16.charge_point import ChargePointV16
from csms.handlers.v201.charge_point import ChargePointV201
from csms.handlers.wire.dialects import DIALECTS, Dialect
from csms.handlers.wire.schemas import Schemas
from csms.observability import CONNECTED_STATIONS
from csms.stations.security import StationSecurity

__all__ = ["OcppServer", "ServerOptions", "tls_context"]  # tls_context: bootstrap's import

log = structlog.get_logger(__name__)

_CLOSE_SERVICE_RESTART: Final = 1012  # RFC 6455 §7.4 registry: try again later
_CLOSE_TRY_AGAIN_LATER: Final = 1013
_ADAPTERS: Final[dict[str, type[ChargePointV16 | ChargePointV201]]] = {
    "ocpp1.6": ChargePointV16,
    "ocpp2.0.1": ChargePointV201,
}


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    max_frame_bytes: int
    ping_interval_s: float
    ping_timeout_s: float
    call_timeout_s: float
    shutdown_grace_s: float
    tls_port: int | None = None
    tls_context: ssl.SSLContext | None = None
    boot_deadline_s: float = 300.0


class OcppServer:
    """Runs the websocket listeners and one :class:`StationConnection` per station; the
    stations' live connections are in ``registry``, reached by ``LocalGateway``."""

    def __init__(
        self,
        options: ServerOptions,
        services: AdapterServices,
        security: StationSecurity,
        registry: ConnectionRegistry,
        ownership: StationOwnership | None = None,
    ) -> None:
        self._options = options
        self._ownership = ownership or OnlyNode()
        self._handshake = Handshake(security)
        self._security = security
        self.registry = registry
        self._services = services
        self._wires = {
            name: VersionWire(dialect, Schemas(dialect), options.call_timeout_s)
            for name, dialect in DIALECTS.items()
        }
        for name, wire in self._wires.items():
            wire.schemas.warm(actions_of(_ADAPTERS[name]))
        self._server: Server | None = None
        self._tls_server: Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def tls_port(self) -> int | None:
        if self._tls_server is None:
            return None
        return int(next(iter(self._tls_server.sockets)).getsockname()[1])

    async def _listen(self, port: int, over_tls: bool) -> Server:
        async def process_request(
            connection: ServerConnection, request: Request
        ) -> Response | None:
            return await self._handshake.admit(connection, request, over_tls)

        return await serve(
            self._handle,
            self._options.host,
            port,
            subprotocols=list(SUBPROTOCOLS),  # type: ignore[arg-type]
            select_subprotocol=select_subprotocol,
            process_request=process_request,
            compression=None,
            max_size=self._options.max_frame_bytes,
            ping_interval=self._options.ping_interval_s or None,
            ping_timeout=self._options.ping_timeout_s,
            server_header="csms",
            ssl=self._options.tls_context if over_tls else None,
        )

    async def start(self) -> None:
        """Listen on the plain port, and on the TLS port when one is configured."""
        self._server = await self._listen(self._options.port, over_tls=False)
        log.info("ocpp_server_listening", host=self._options.host, port=self.port, tls=False)
        if self._options.tls_port is not None and self._options.tls_context is not None:
            self._tls_server = await self._listen(self._options.tls_port, over_tls=True)
            log.info("ocpp_server_listening", host=self._options.host, port=self.tls_port, tls=True)

    async def stop(self) -> None:
        """Graceful shutdown: refuse new stations, finish Calls in progress, close sockets."""
        if self._server is None:
            return
        self._server.close(close_connections=False)
        if self._tls_server is not None:
            self._tls_server.close(close_connections=False)
        live = self.registry.all()
        try:
            async with asyncio.timeout(self._options.shutdown_grace_s):
                await asyncio.gather(*(item.connection.drain() for item in live))
        except TimeoutError:
            log.warning(
                "shutdown_grace_expired", busy=sum(not i.connection.idle.is_set() for i in live)
            )
        await asyncio.gather(
            *(item.connection.close(1001, "server shutting down") for item in live),
            return_exceptions=True,
        )
        await self._server.wait_closed()
        if self._tls_server is not None:
            await self._tls_server.wait_closed()
            self._tls_server = None
        self._server = None
        log.info("ocpp_server_stopped", closed_connections=len(live))

    async def _handle(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        station_id = station_id_from_path(websocket.request.path)
        assert station_id is not None
        subprotocol = websocket.subprotocol
        with structlog.contextvars.bound_contextvars(station_id=station_id):
            if subprotocol not in _ADAPTERS:
                await close_without_subprotocol(websocket)
                return
            if await self._security.register_connected(station_id):
                log.info("station_auto_registered")
            dialect = DIALECTS[subprotocol]
            with structlog.contextvars.bound_contextvars(ocpp_version=dialect.version):
                await self._serve_station(websocket, station_id, dialect)

    async def set_available(self, available: bool, reason: str) -> int:
        """Serve stations again, or (False) close every live socket with 1012 and refuse new
        handshakes with 503 and ``Retry-After`` until called with True; returns how many
        sockets it closed. Stations that come back pass the boot admission as ever."""
        if available:
            if self._handshake.unavailable is not None:
                self._handshake.unavailable = None
                log.info("ocpp_available_again", reason=reason)
            return 0
        was_available = self._handshake.unavailable is None
        self._handshake.unavailable = reason
        live = self.registry.all()
        close_reason = reason.encode()[:120].decode(errors="ignore")  # RFC 6455 §5.5: 125 B
        await asyncio.gather(
            *(item.connection.close(_CLOSE_SERVICE_RESTART, close_reason) for item in live),
            return_exceptions=True,
        )
        if was_available or live:
            log.warning("ocpp_unavailable", reason=reason, closed=len(live))
        return len(live)

    def _open(
        self, websocket: ServerConnection, station_id: str, dialect: Dialect
    ) -> tuple[LiveStation, BootDeadline]:
        """The version adapter and the connection that feeds it, wired to each other."""
        adapter = _ADAPTERS[dialect.subprotocol](station_id, self._services)
        wire = self._wires[dialect.subprotocol]
        deadline = BootDeadline(self._options.boot_deadline_s)
        handlers = deadline.wrap(handlers_of(adapter))
        connection = StationConnection(websocket, station_id, wire, handlers)
        adapter.after_reply = connection.after_reply
        return LiveStation(connection, adapter), deadline

    async def _serve_station(
        self, websocket: ServerConnection, station_id: str, dialect: Dialect
    ) -> None:
        live, deadline = self._open(websocket, station_id, dialect)
        watch: asyncio.Task[None] | None = None
        try:
            if not await self._take_over(station_id, live):
                return
            log.info("station_connected", remote=str(websocket.remote_address))
            watch = asyncio.create_task(deadline.watch(live.connection))
            await live.connection.run()
        finally:
            if watch is not None:
                watch.cancel()
            live.stopped.set()
            await self._hand_back(station_id, live)
            log.info("station_disconnected", code=websocket.close_code)

    async def _take_over(self, station_id: str, live: LiveStation) -> bool:
        """Under the station's lock: close the previous socket, wait until its worker is
        done, then make ``live`` the station's connection. False while unavailable."""
        async with self.registry.handover(station_id):
            if live.connection.websocket.state is not State.OPEN:
                return False  # its client left while it waited: the live socket stays
            if self._handshake.unavailable is not None:
                await live.connection.close(_CLOSE_SERVICE_RESTART, "service unavailable")
                return False
            previous = self.registry.get(station_id)
            if previous is not None:  # the station reconnected: the new socket wins
                await self._retire(station_id, previous)
            if self._handshake.unavailable is not None:  # paused while the old one closed
                await live.connection.close(_CLOSE_SERVICE_RESTART, "service unavailable")
                return False
            if not await self._ownership.claim(station_id):  # another node did not let go
                await live.connection.close(_CLOSE_TRY_AGAIN_LATER, "try again later")
                await self._saving_flag(self._services.stations.disconnected, station_id)
                return False
            self.registry.register(station_id, live)
            CONNECTED_STATIONS.labels(live.connection.dialect.version).inc()
            await self._saving_flag(
                self._services.stations.connected, station_id, live.connection.dialect.version
            )
        return True

    async def give_up(
        self, station_id: str, then: Callable[[], Awaitable[None]], keep: Callable[[], bool]
    ) -> None:
        """Another node takes the station (csms.cluster): under its lock, unless ``keep()``
        (claimed here again meanwhile), close its socket here if any (its flag written as
        disconnected from this node), then ``then``."""
        async with self.registry.handover(station_id):
            live = self.registry.get(station_id)
            if live is not None and not keep():
                await self._retire(station_id, live)
                await self._saving_flag(self._services.stations.disconnected, station_id)
            await then()

    async def _retire(self, station_id: str, previous: LiveStation) -> None:
        """Close the station's previous socket and wait (bounded) until its worker is done."""
        log.info("station_replaced_connection")
        await previous.connection.close(1000, "replaced by a new connection")
        try:
            async with asyncio.timeout(self._options.shutdown_grace_s + 10):
                await previous.stopped.wait()
        except TimeoutError:  # a worker stuck on one message must not hold the station
            log.error("station_previous_worker_stuck")
        self.registry.remove(station_id, previous.connection)
        CONNECTED_STATIONS.labels(previous.connection.dialect.version).dec()

    async def _saving_flag(self, save: Callable[..., Awaitable[None]], *args: Any) -> None:
        """The connected flag is bookkeeping: a database outage must not fail the socket
        (the database watch resets every flag when the database is back)."""
        try:
            await save(*args)
        except Exception:
            log.warning("station_connected_flag_not_saved", exc_info=True)

    async def _hand_back(self, station_id: str, live: LiveStation) -> None:
        """Under the station's lock: forget ``live`` unless a newer socket replaced it."""
        async with self.registry.handover(station_id):
            if self.registry.remove(station_id, live.connection):
                CONNECTED_STATIONS.labels(live.connection.dialect.version).dec()
                await self._saving_flag(self._services.stations.disconnected, station_id)
                await self._ownership.release(station_id)
