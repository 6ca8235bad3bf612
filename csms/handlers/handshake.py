"""The websocket handshake: path, subprotocol, TLS, credentials, and refusals.

Stations connect to ``ws://HOST:PORT/ocpp/{station_id}`` offering ``ocpp2.0.1`` and/or
``ocpp1.6`` (OCPP-J 1.6 §3.1, 2.0.1 Part 4 §3.1). Security profiles 1-3 (2.0.1 Part 2 A00)
are decided by the core's ``StationSecurity`` from the Basic credentials and the client
certificate CN. A station offering no common subprotocol gets the handshake completed without
a ``Sec-WebSocket-Protocol`` header and is closed at once (2.0.1 Part 4 §3.1.2), with a log
line saying why.
"""

from __future__ import annotations

import re
import ssl
from http import HTTPStatus
from typing import Any, Final

import structlog
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeaderFormat
from websockets.headers import parse_authorization_basic
from websockets.http11 import Request, Response

from csms.observability import HANDSHAKES_REFUSED
from csms.stations.security import HandshakeAttempt, StationSecurity

log = structlog.get_logger(__name__)

# 2.0.1 Part 4 §3.1.1: the identity is an identifierString of at most 48 characters
# (a-z A-Z 0-9 * - _ = : + | @ .); one made only of dots ("." / "..") is refused, since it
# is a path segment of its own. A ':' cannot be an HTTP Basic user (RFC 7617 §2), so such a
# station can only use profile 3.
_PATH: Final = re.compile(r"^/ocpp/(?P<station_id>(?!\.+/?$)[A-Za-z0-9*\-_=:+|@.]{1,48})/?$")
_RETRY_AFTER_UNAVAILABLE_S: Final = 30
SUBPROTOCOLS: Final = ("ocpp2.0.1", "ocpp1.6")
_CLOSE_NO_SUBPROTOCOL: Final = 1002  # protocol error


def station_id_from_path(path: str) -> str | None:
    """``/ocpp/CP-1`` gives ``CP-1``; anything else None."""
    match = _PATH.match(path.split("?", 1)[0])
    return match.group("station_id") if match else None


def select_subprotocol(connection: ServerConnection, offered: Any) -> Any:
    """The newest version the station offers, or None (2.0.1 Part 4 §3.1.2)."""
    for wanted in SUBPROTOCOLS:
        if wanted in offered:
            return wanted
    return None


def tls_context(cert_file: str, key_file: str, client_ca_file: str | None) -> ssl.SSLContext:
    """Server TLS: profile 2 stations need no client certificate, profile 3 ones present one."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        context.load_verify_locations(client_ca_file)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def client_cert_cn(connection: ServerConnection) -> str | None:
    """The subject CN of a client certificate the TLS layer verified, or None."""
    peercert = connection.transport.get_extra_info("peercert")
    if not peercert:
        return None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def basic_credentials(request: Request) -> tuple[str | None, str | None]:
    """Username and password of an ``Authorization: Basic`` header (RFC 7617), or Nones."""
    header = request.headers.get("Authorization")
    if header is None:
        return None, None
    try:
        return parse_authorization_basic(header)
    except InvalidHeaderFormat:
        return None, None


def refuse(
    reason: str,
    status: HTTPStatus,
    remote: object,
    station_id: str | None,
    retry_after_s: int | None = None,
) -> Response:
    """An HTTP refusal of the upgrade; the reason goes to our log, not to the station."""
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
    if retry_after_s is not None:
        headers["Retry-After"] = str(retry_after_s)
    body = f"{status.phrase}\n".encode()  # the reason stays in our log, not in the answer
    return Response(status.value, status.phrase, headers, body)


async def close_without_subprotocol(websocket: ServerConnection) -> None:
    """Close a station that offered no version we speak (2.0.1 Part 4 §3.1.2)."""
    assert websocket.request is not None
    offered = websocket.request.headers.get("Sec-WebSocket-Protocol")
    HANDSHAKES_REFUSED.labels("no common subprotocol").inc()
    log.warning(
        "station_refused_no_subprotocol",
        offered=offered,
        supported=list(SUBPROTOCOLS),
        remote=str(websocket.remote_address),
    )
    await websocket.close(_CLOSE_NO_SUBPROTOCOL, "no supported OCPP subprotocol")


class Handshake:
    """Admits or refuses an upgrade request with the core's ``StationSecurity`` rule.

    While ``unavailable`` names a reason (e.g. the database is down) every upgrade is
    refused with 503 and ``Retry-After`` (RFC 9110 §15.6.4), before any credential check.
    """

    def __init__(self, security: StationSecurity) -> None:
        self._security = security
        self.unavailable: str | None = None

    async def admit(
        self, connection: ServerConnection, request: Request, over_tls: bool
    ) -> Response | None:
        """None lets the upgrade proceed; an HTTP response (404, 401, 429, ...) refuses it."""
        remote = connection.remote_address
        station_id = station_id_from_path(request.path)
        if self.unavailable is not None:
            return refuse(
                f"unavailable: {self.unavailable}",
                HTTPStatus.SERVICE_UNAVAILABLE,
                remote,
                station_id,
                _RETRY_AFTER_UNAVAILABLE_S,
            )
        if station_id is None:
            return refuse("path is not /ocpp/{station_id}", HTTPStatus.NOT_FOUND, remote, None)
        username, password = basic_credentials(request)
        decision = await self._security.check(
            HandshakeAttempt(
                station_id=station_id,
                over_tls=over_tls,
                username=username,
                password=password,
                client_cert_cn=client_cert_cn(connection) if over_tls else None,
                remote_ip=str(remote[0]) if remote else "unknown",
            )
        )
        if not decision.accepted:
            return refuse(decision.reason, HTTPStatus(decision.status), remote, station_id)
        log.info(
            "handshake_accepted", station_id=station_id, how=decision.reason, remote=str(remote)
        )
        return None
