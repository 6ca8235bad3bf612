"""The OCPP websocket server: path, subprotocol, admission, one connection per station.

Stations connect to ``ws://HOST:PORT/ocpp/{station_id}`` offering ``ocpp2.0.1`` and/or
``ocpp1.6`` (OCPP-J 1.6 §3.1, 2.0.1 Part 4 §3.1). A station offering neither gets the
handshake completed without a ``Sec-WebSocket-Protocol`` header and is closed at once
(2.0.1 Part 4 §3.1.2), with a log line saying why. The server also implements the core's
``StationGateway`` port, through which the API reaches connected stations.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, Protocol

import structlog
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeaderFormat
from websockets.headers import parse_authorization_basic
from websockets.http11 import Request, Response

from csms.charging.lifecycle import SessionService
from csms.errors import StationNotConnected
from csms.handlers.connection import StationConnection
from csms.handlers.rpc import DIALECTS, Schemas, handlers_of
from csms.handlers.v16.charge_point import ChargePointV16
from csms.handlers.v201.charge_point import ChargePointV201
from csms.observability import CONNECTED_STATIONS, HANDSHAKES_REFUSED
from csms.station_commands.commands import CommandResult, StationCommand
from csms.station_commands.local_lists import LocalListService
from csms.stations.security import HandshakeAttempt, StationSecurity
from csms.stations.service import StationService

log = structlog.get_logger(__name__)

_PATH: Final = re.compile(r"^/ocpp/(?P<station_id>[A-Za-z0-9._:*\-]{1,48})/?$")
SUBPROTOCOLS: Final = ("ocpp2.0.1", "ocpp1.6")
_CLOSE_NO_SUBPROTOCOL: Final = 1002  # protocol error


class Adapter(Protocol):
    after_reply: Callable[[Callable[[], Coroutine[Any, Any, Any]]], None] | None

    def to_call(self, command: StationCommand) -> Any: ...


_ADAPTERS: Final[dict[str, Callable[..., Adapter]]] = {
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


@dataclass
class _Live:
    connection: StationConnection
    adapter: Adapter


def station_id_from_path(path: str) -> str | None:
    """``/ocpp/CP-1`` gives ``CP-1``; anything else None."""
    match = _PATH.match(path.split("?", 1)[0])
    return match.group("station_id") if match else None


def _refuse(reason: str, status: HTTPStatus, remote: object, station_id: str | None) -> Response:
    HANDSHAKES_REFUSED.labels(status.phrase).inc()
    log.warning(
        "handshake_refused",
        reason=reason,
        remote=str(remote),
        status=status.value,
        station_id=station_id,
    )
    headers = Headers([("Content-Type", "text/plain")])
    if status is HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Basic realm="csms", charset="UTF-8"'
    body = f"{status.phrase}\n".encode()  # the reason stays in our log, not in the answer
    return Response(status.value, status.phrase, headers, body)


def _client_cert_cn(connection: ServerConnection) -> str | None:
    """The subject CN of a client certificate the TLS layer verified, or None."""
    peercert = connection.transport.get_extra_info("peercert")
    if not peercert:
        return None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization")
    if header is None:
        return None, None
    try:
        return parse_authorization_basic(header)
    except InvalidHeaderFormat:
        return None, None


def tls_context(cert_file: str, key_file: str, client_ca_file: str | None) -> ssl.SSLContext:
    """Server TLS: profile 2 stations need no client certificate, profile 3 ones present one."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        context.load_verify_locations(client_ca_file)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


class OcppServer:
    """Runs the websocket server and keeps the registry of live station connections."""

    def __init__(
        self,
        options: ServerOptions,
        stations: StationService,
        sessions: SessionService,
        security: StationSecurity,
        local_lists_factory: Callable[[OcppServer], LocalListService] | None = None,
    ) -> None:
        self._options = options
        self._stations = stations
        self._sessions = sessions
        self._security = security
        self.local_lists = local_lists_factory(self) if local_lists_factory else None
        self._tls_server: Server | None = None
        self._schemas = {name: Schemas(dialect) for name, dialect in DIALECTS.items()}
        self._live: dict[str, _Live] = {}
        self._server: Server | None = None
        for name, schemas in self._schemas.items():
            actions = set(handlers_of(_ADAPTERS[name]("-", stations, sessions)))
            schemas.warm(actions)

    @property
    def port(self) -> int:
        assert self._server is not None
        sockname = next(iter(self._server.sockets)).getsockname()
        return int(sockname[1])

    @property
    def tls_port(self) -> int | None:
        if self._tls_server is None:
            return None
        return int(next(iter(self._tls_server.sockets)).getsockname()[1])

    async def _listen(self, port: int, over_tls: bool) -> Server:
        async def process_request(
            connection: ServerConnection, request: Request
        ) -> Response | None:
            return await self._process_request(connection, request, over_tls)

        return await serve(
            self._handle,
            self._options.host,
            port,
            subprotocols=list(SUBPROTOCOLS),  # type: ignore[arg-type]
            select_subprotocol=self._select_subprotocol,
            process_request=process_request,
            compression=None,
            max_size=self._options.max_frame_bytes,
            ping_interval=self._options.ping_interval_s or None,
            ping_timeout=self._options.ping_timeout_s,
            server_header="csms",
            ssl=self._options.tls_context if over_tls else None,
        )

    async def start(self) -> None:
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
        live = list(self._live.values())
        try:
            async with asyncio.timeout(self._options.shutdown_grace_s):
                await asyncio.gather(*(item.connection.drain() for item in live))
        except TimeoutError:
            log.warning(
                "shutdown_grace_expired", busy=sum(not i.connection.idle.is_set() for i in live)
            )
        await asyncio.gather(
            *(item.connection.websocket.close(1001, "server shutting down") for item in live),
            return_exceptions=True,
        )
        await self._server.wait_closed()
        if self._tls_server is not None:
            await self._tls_server.wait_closed()
            self._tls_server = None
        self._server = None
        log.info("ocpp_server_stopped", closed_connections=len(live))

    @staticmethod
    def _select_subprotocol(connection: ServerConnection, offered: Any) -> Any:
        for wanted in SUBPROTOCOLS:
            if wanted in offered:
                return wanted
        return None

    async def _process_request(
        self, connection: ServerConnection, request: Request, over_tls: bool
    ) -> Response | None:
        remote = connection.remote_address
        station_id = station_id_from_path(request.path)
        if station_id is None:
            return _refuse("path is not /ocpp/{station_id}", HTTPStatus.NOT_FOUND, remote, None)
        username, password = _basic_credentials(request)
        decision = await self._security.check(
            HandshakeAttempt(
                station_id=station_id,
                over_tls=over_tls,
                username=username,
                password=password,
                client_cert_cn=_client_cert_cn(connection) if over_tls else None,
                remote_ip=str(remote[0]) if remote else "unknown",
            )
        )
        if not decision.accepted:
            return _refuse(decision.reason, HTTPStatus(decision.status), remote, station_id)
        if decision.registered_now:
            log.info("station_auto_registered", station_id=station_id)
        log.info(
            "handshake_accepted", station_id=station_id, how=decision.reason, remote=str(remote)
        )
        return None

    async def _handle(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        station_id = station_id_from_path(websocket.request.path)
        assert station_id is not None
        subprotocol = websocket.subprotocol
        with structlog.contextvars.bound_contextvars(station_id=station_id):
            if subprotocol not in _ADAPTERS:
                offered = websocket.request.headers.get("Sec-WebSocket-Protocol")
                HANDSHAKES_REFUSED.labels("no common subprotocol").inc()
                log.warning(
                    "station_refused_no_subprotocol",
                    offered=offered,
                    supported=list(SUBPROTOCOLS),
                    remote=str(websocket.remote_address),
                )
                await websocket.close(_CLOSE_NO_SUBPROTOCOL, "no supported OCPP subprotocol")
                return
            dialect = DIALECTS[subprotocol]
            with structlog.contextvars.bound_contextvars(ocpp_version=dialect.version):
                await self._serve_station(websocket, station_id, subprotocol)

    async def _serve_station(
        self, websocket: ServerConnection, station_id: str, subprotocol: str
    ) -> None:
        dialect = DIALECTS[subprotocol]
        adapter = _ADAPTERS[subprotocol](
            station_id, self._stations, self._sessions, local_lists=self.local_lists
        )
        connection = StationConnection(
            websocket,
            station_id,
            dialect,
            self._schemas[subprotocol],
            handlers_of(adapter),
            call_timeout_s=self._options.call_timeout_s,
        )
        adapter.after_reply = connection.after_reply
        previous = self._live.get(station_id)
        if previous is not None:  # the station reconnected: the new socket wins
            log.info("station_replaced_connection")
            await previous.connection.websocket.close(1000, "replaced by a new connection")
        self._live[station_id] = _Live(connection, adapter)
        CONNECTED_STATIONS.labels(dialect.version).inc()
        await self._stations.connected(station_id, dialect.version)
        log.info("station_connected", remote=str(websocket.remote_address))
        try:
            await connection.run()
        finally:
            CONNECTED_STATIONS.labels(dialect.version).dec()
            if (
                self._live.get(station_id) is not None
                and self._live[station_id].connection is connection
            ):
                del self._live[station_id]
                await self._stations.disconnected(station_id)
            log.info("station_disconnected", code=websocket.close_code)

    # --- StationGateway port -------------------------------------------------------------

    def is_connected(self, station_id: str) -> bool:
        return station_id in self._live

    async def send(self, station_id: str, command: StationCommand) -> CommandResult:
        live = self._live.get(station_id)
        if live is None:
            raise StationNotConnected(station_id)
        message = live.adapter.to_call(command)
        action = type(message).__name__
        with structlog.contextvars.bound_contextvars(station_id=station_id, action=action):
            payload = await live.connection.call(action, message)
            log.info("station_command_answered", status=payload.get("status"))
        status = payload.get("status")
        return CommandResult(action, str(status) if status is not None else None, payload)
