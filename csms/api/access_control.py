"""Access control in front of the operator API: who calls, what they send, and the audit.

For every ``/api`` request, before routing (so an unauthenticated client learns nothing
about routes, not even which exist):

1. ``Authorization: Bearer SECRET`` must be a valid API key or member app token: else 401.
2. A body must be JSON (``Content-Type: application/json``): else 415, so a web page's
   cross-origin form or ``text/plain`` POST is refused before it can change anything. A
   request without a body needs no content type.
3. The caller is made known to the routes (``policy.principal_of``), to the station
   commands it causes (``csms.access.actor``), and viewers get card ids masked.
4. A state-changing call (any method but GET/HEAD/OPTIONS) is written to the audit log
   with the caller, the method and path, and the answer's status and body.

No cookies are read: a browser cannot lend a caller its credentials.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final, TypeVar

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from csms.access.actor import current_actor
from csms.access.models import AuditEntry, Principal
from csms.access.service import AccessService
from csms.api.parsing import ID_MAX, UNSTORABLE
from csms.api.policy import SAFE_METHODS
from csms.api.responses import error, masking_cards
from csms.clock import Clock

_STATION_IN_PATH: Final = re.compile(r"^/api/stations/([^/]+)")
_MAX_AUDITED_BODY: Final = 64 * 1024
_UNAUTHENTICATED: Final = "an API key is required: Authorization: Bearer <key>"
_SECRETS: Final = frozenset({"app_token"})  # shown once to the caller, never stored
_MAX_AUDITED_TEXT: Final = 2000


def bearer_secret(headers: Headers) -> str | None:
    scheme, _, secret = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


def is_json(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


class AccessControl:
    """ASGI middleware: authentication, JSON-only bodies, caller context and audit."""

    def __init__(self, app: ASGIApp, access: AccessService, clock: Clock) -> None:
        self._app = app
        self._access = access
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (
            scope["path"] == "/api" or scope["path"].startswith("/api/")
        ):
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        secret = bearer_secret(headers)
        principal = await self._access.authenticate(secret) if secret else None
        if principal is None:
            answer = error(401, _UNAUTHENTICATED)
            answer.headers["WWW-Authenticate"] = 'Bearer realm="csms"'
            await answer(scope, receive, send)
            return
        if ("content-type" in headers or has_body(headers)) and not is_json(headers):
            refusal = error(415, "the body must be JSON (Content-Type: application/json)")
            await refusal(scope, receive, send)
            return
        scope["csms.principal"] = principal
        actor = current_actor.set(principal)
        masking = masking_cards.set(principal.masks_cards)
        try:
            if scope["method"] in SAFE_METHODS:
                await self._app(scope, receive, send)
            else:
                await self._audited(principal, scope, receive, send)
        finally:
            masking_cards.reset(masking)
            current_actor.reset(actor)

    async def _audited(
        self, principal: Principal, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status = 500
        body = bytearray()
        request = bytearray()

        async def reading() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request) < _MAX_AUDITED_BODY:
                request.extend(message.get("body", b""))
            return message

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and len(body) < _MAX_AUDITED_BODY:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self._app(scope, reading, recording)
        finally:
            entry = self._entry(principal, scope, status, bytes(body), _json_object(bytes(request)))
            await self._access.record(entry)

    def _entry(
        self,
        principal: Principal,
        scope: Scope,
        status: int,
        body: bytes,
        sent: dict[str, Any] | None,
    ) -> AuditEntry:
        path = _storable(scope["path"], _MAX_AUDITED_TEXT)
        station = _STATION_IN_PATH.match(path)
        named = sent or {}
        station_id = station.group(1) if station else _text(named.get("station_id"))
        answer = _storable(_json_object(body), _MAX_AUDITED_TEXT)
        failure = answer.get("error") if answer is not None and status >= 400 else None
        return AuditEntry(
            at=self._clock.now(),
            actor=principal.name,
            role=principal.role,
            action=f"{scope['method']} {path}",
            target=path,
            station_id=_storable(station_id, ID_MAX),
            # The caller's operator (a probe of another tenant's id stays the caller's row);
            # an admin's change belongs to the operator it names, else to its station's
            # owner (looked up when stored), so the owning operator can read it.
            operator_id=principal.operator_id or _storable(_text(named.get("operator_id")), ID_MAX),
            outcome=str(status),
            answer=answer,
            error=str(failure) if failure is not None else None,
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


Stored = TypeVar("Stored")


def _storable(value: Stored, limit: int) -> Stored:
    """``value`` as PostgreSQL can keep it: every text (at any depth of a JSON value) without
    NUL or lone surrogates (each becomes U+FFFD) and cut to ``limit`` characters, so that a
    refused request is audited too; indexed columns get the API's own id limit."""
    if isinstance(value, str):
        return UNSTORABLE.sub("\ufffd", value[:limit])  # type: ignore[return-value]
    if isinstance(value, dict):
        return {_storable(k, limit): _storable(v, limit) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [_storable(item, limit) for item in value]  # type: ignore[return-value]
    return value


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    return {key: "[not stored]" if key in _SECRETS else item for key, item in value.items()}
