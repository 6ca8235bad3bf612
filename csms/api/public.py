"""The public listener: ``POST /public/stands/{stand_id}/visits``, the visitors' pages
(``/v/{stand_id}``, ``/public/visits/{id}``: ``visitor_pages.py``, limited per address) and
the sandbox payment pages (``/pay/...``, ``payment_pages.py``), nothing else.

Seed 000: a visitor opens the stand's URL, registers, then touches any FeliCa card within
60 s (60秒以内にタッチ); at a password stand they get a one-time password instead. This is
the only route anyone on the internet can reach, so it is served on its own port
(``public_host``/``public_port``), apart from the operator API, and it is guarded:

* **Rate limits** (the ``limits`` library, moving windows in this process's memory): every
  request counts against its client address (``public_rate_per_address``), which protects
  the database and the mail outbox from one client's flood and slows stand-id guessing; then
  against the stand of its path (``public_rate_per_stand``), which protects a stand from
  being kept busy by many addresses together (a visitor who is locked out cannot charge).
  The address is checked first, and a request the address limit refuses does not use the
  stand's budget, so one flooding client cannot lock a stand for everyone else. Over either
  limit: 429 ``too many requests; try again in N s`` with ``Retry-After: N``.
* **The client address** is the socket's peer (``request.client.host``). Behind a reverse
  proxy that is the proxy's address, shared by every visitor, unless the proxy's address is
  listed in ``public_forwarded_allow_ips`` (then uvicorn reads ``X-Forwarded-For`` from it).
  By default no ``X-Forwarded-For`` is trusted, not even from 127.0.0.1.
* **No hint whether a stand exists**: an unknown stand and a stand where another visitor's
  window is open get the same 409, text and ``Retry-After: 60`` (the length of a window),
  so that neither the answer nor a count-down tells a stand that exists from one that does not.
* **Small bodies only**: more than ``MAX_BODY_BYTES`` is answered 413 before it is parsed.

The limits count in this process only: several central-system processes behind one address
each allow the configured rate.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Final

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import RootModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csms.api.access_control import is_json
from csms.api.error_status import InvalidBody, guarded
from csms.api.parsing import Flag, RequestBody, Text, problem
from csms.api.responses import ExactJSONResponse, error, http_error, reply
from csms.authorization.visitors import (
    TOUCH_WINDOW,
    StandBusy,
    UnknownStand,
    VisitorService,
    VisitRegistered,
)

MAX_BODY_BYTES: Final = 4096  # a name, an e-mail and a payment reference fit many times over
CANNOT_TAKE: Final = "this stand cannot take a registration now; try again in a minute"
UNKNOWN_STAND_WAIT_S: Final = int(TOUCH_WINDOW.total_seconds())  # as if a window just opened

Visit = RootModel[VisitRegistered]  # the card window's end, or the password and its expiry


class Registration(RequestBody):
    """The visitor's form (seed 000): name, e-mail, a payment service's reference."""

    notify: Flag = False
    name: Text
    email: Text
    payment_reference: Text  # a payment service's reference, never a card number


class PublicLimits:
    """How often the public listener takes a registration: per client address, per stand.

    ``per_address`` and ``per_stand`` are rates in the ``limits`` notation (``10/minute``);
    each is a moving window kept in this process's memory.
    """

    def __init__(self, per_address: str, per_stand: str) -> None:
        self.per_address: Final[RateLimitItem] = parse(per_address)
        self.per_stand: Final[RateLimitItem] = parse(per_stand)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def wait_s(self, address: str, stand_id: str) -> int | None:
        """Count one request; None when both limits take it, else the seconds to wait.

        The address limit first: a request it refuses is not counted against the stand. The
        wait is the whole seconds until the refusing limit's window frees a slot (at least 1).
        """
        for rate, kind, key in (
            (self.per_address, "address", address),
            (self.per_stand, "stand", stand_id),
        ):
            if not await self._limiter.hit(rate, "public", kind, key):
                stats = await self._limiter.get_window_stats(rate, "public", kind, key)
                return max(math.ceil(stats.reset_time - time.time()), 1)
        return None


def _waiting(status: int, message: str, wait_s: int) -> ExactJSONResponse:
    answer = error(status, message)
    answer.headers["Retry-After"] = str(wait_s)
    return answer


async def _registration(request: Request) -> Registration:
    """The body as a ``Registration``: BadRequest (400) when it is not one, 413 when too big,
    415 unless it is JSON (a cross-site page's form or text/plain POST is refused)."""
    if not is_json(request.headers):
        raise HTTPException(415, "the body must be JSON (Content-Type: application/json)")
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise HTTPException(413, "request body too large")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise HTTPException(413, "request body too large")
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise InvalidBody("bad request: the body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidBody("bad request: the body must be a JSON object")
    try:
        return Registration.model_validate(body)
    except ValidationError as exc:
        raise InvalidBody(f"bad request: {problem(exc)}") from exc


def _visits_route(visitors: VisitorService, limits: PublicLimits) -> Route:
    async def register(request: Request) -> Response:
        """Seed 000: register, then touch any FeliCa card within 60 s (or get a password)."""
        stand_id: str = request.path_params["stand_id"]
        address = request.client.host if request.client is not None else ""
        wait_s = await limits.wait_s(address, stand_id)
        if wait_s is not None:
            return _waiting(429, f"too many requests; try again in {wait_s} s", wait_s)
        form = await _registration(request)
        try:
            visit = await visitors.register(stand_id, **form.model_dump())
        except UnknownStand:
            return _waiting(409, CANNOT_TAKE, UNKNOWN_STAND_WAIT_S)
        except StandBusy:  # the same wait as an unknown stand's: no count-down to tell them apart
            return _waiting(409, CANNOT_TAKE, UNKNOWN_STAND_WAIT_S)
        return reply(Visit(visit), 201)

    return Route("/public/stands/{stand_id}/visits", guarded(register), methods=["POST"])


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 (with its ``Allow``), and 413, as ``{"error": ...}``."""
    assert isinstance(exc, HTTPException)
    return http_error(exc)


def create_public_app(
    visitors: VisitorService, limits: PublicLimits, payment_pages: Sequence[BaseRoute] = ()
) -> Starlette:
    """The public listener's app: the visitor's registration route and the sandbox payment
    provider's pages (``payment_pages.py``), and nothing else."""
    return Starlette(
        routes=[_visits_route(visitors, limits), *payment_pages],
        exception_handlers={HTTPException: _http_error},
    )
