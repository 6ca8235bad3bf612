"""How the API answers failures: domain errors by one table, refused input as 400.

The table is read by ``isinstance`` over the tree in ``csms/errors.py`` (style.md §8), so a
subclass gets its parent's status; a domain error the table does not name is a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from csms.api.responses import error
from csms.errors import (
    Conflict,
    CsmsError,
    Forbidden,
    InvalidInput,
    NotFound,
    StationBusy,
    StationNotConnected,
    StationRejected,
    StationTimeout,
)

Endpoint = Callable[[Request], Awaitable[Response]]

ERROR_STATUS: Final[tuple[tuple[type[CsmsError], int], ...]] = (
    (InvalidInput, 400),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (StationNotConnected, 409),
    (StationBusy, 429),
    (StationRejected, 502),
    (StationTimeout, 504),
)


class BadRequest(Exception):
    """Input the API refuses before it calls the core; answered 400 with this message."""


def status_of(exc: CsmsError) -> int:
    """The HTTP status of a domain error: the first ``ERROR_STATUS`` entry it is an instance of."""
    for kind, status in ERROR_STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def answers_errors(endpoint: Endpoint) -> Endpoint:
    """Answer a domain error with its status and a refused input with 400, as ``{"error": ...}``."""

    @functools.wraps(endpoint)
    async def answering(request: Request) -> Response:
        try:
            return await endpoint(request)
        except CsmsError as exc:
            return error(status_of(exc), str(exc))
        except BadRequest as exc:
            return error(400, str(exc))

    return answering


def guarded(endpoint: Endpoint) -> Endpoint:
    """Like ``answers_errors``; a ValueError, TypeError or KeyError from the core is a 400 too."""

    @functools.wraps(endpoint)
    async def lenient(request: Request) -> Response:
        try:
            return await endpoint(request)
        except (ValueError, TypeError, KeyError) as exc:
            return error(400, f"bad request: {exc}")

    return answers_errors(lenient)
