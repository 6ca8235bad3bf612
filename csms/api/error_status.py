"""How the API answers failures: domain errors by one table, refused input as 400.

The table is read by ``isinstance`` over the tree in ``csms/errors.py`` (style.md §8), so a
subclass gets its parent's status and code; a domain error the table does not name is a 500
(``internal_error``). Refused input is ``invalid_request`` (path, query), or ``invalid_body``
(``InvalidBody``: the body is not JSON, not an object, or a field is wrong).
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

ERROR_STATUS: Final[tuple[tuple[type[CsmsError], int, str], ...]] = (
    (InvalidInput, 400, "invalid_input"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (StationNotConnected, 409, "not_connected"),
    (StationBusy, 429, "station_busy"),
    (StationRejected, 502, "station_error"),
    (StationTimeout, 504, "timeout"),
)


class BadRequest(Exception):
    """Input the API refuses before it calls the core; answered 400 with this message."""

    code = "invalid_request"


class InvalidBody(BadRequest):
    """A body that is not JSON, not an object, or not the route's fields: 400 ``invalid_body``."""

    code = "invalid_body"


def answer_of(exc: CsmsError) -> tuple[int, str]:
    """The HTTP status and code of a domain error: its first ``ERROR_STATUS`` entry."""
    for kind, status, code in ERROR_STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "internal_error"


def status_of(exc: CsmsError) -> int:
    """The HTTP status of a domain error: the first ``ERROR_STATUS`` entry it is an instance of."""
    return answer_of(exc)[0]


def _status_and_message(exc: CsmsError) -> tuple[int, str, str]:
    status, code = answer_of(exc)
    return status, str(exc), code


def answers_errors(endpoint: Endpoint) -> Endpoint:
    """Answer a domain error with its status and code, a refused input with 400."""

    @functools.wraps(endpoint)
    async def answering(request: Request) -> Response:
        try:
            return await endpoint(request)
        except CsmsError as exc:
            return error(*_status_and_message(exc))
        except BadRequest as exc:
            return error(400, str(exc), exc.code)

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
