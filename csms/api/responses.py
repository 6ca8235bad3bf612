"""Exact JSON answers: Decimal as a string, datetimes in ISO 8601, errors as
``{"error": message, "code": machine_code}``.

Every error of every route is made by :func:`error`: the code is the route's own when it
knows one (``no_such_station``, ...), else the one ``ERROR_CODES`` derives from the message
(``no such WHAT`` is ``no_such_WHAT``), else the status's default (``DEFAULT_CODES``).
``ERROR_CODES`` names every code the API gives, with its status and meaning; the OpenAPI
document and the README list them from there.

While ``masking_cards`` is set (a viewer's request), every card id in an answer, at any depth,
is masked to its first 4 and last 2 characters: one place, so no route can forget it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, Field, RootModel
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: energy and money are never floats
    if isinstance(value, datetime | date | time):  # a contract's dates, opening hours
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


masking_cards: ContextVar[bool] = ContextVar("masking_cards", default=False)
CARD_FIELDS: Final = frozenset(
    {"id_token", "id_tag", "group_id", "parent_id_tag", "ID"}
    | {"idTag", "parentIdTag", "idToken", "groupIdToken", "additionalIdToken"}  # raw messages
)
# Free text that may carry a card id: a signed record's text, a DataTransfer's data, a
# security event's techInfo, a monitored variable's value.
WITHHELD_FIELDS: Final = frozenset({"raw", "data", "techInfo", "tech_info", "actualValue"})


def mask_card(card: str) -> str:
    """``0123456789ABCDEF`` -> ``0123**********EF``: the first 4 and last 2 characters."""
    if len(card) <= 6:
        return "*" * len(card)
    return card[:4] + "*" * (len(card) - 6) + card[-2:]


def _masked_field(key: str, item: Any) -> Any:
    if key in WITHHELD_FIELDS:
        return "[withheld from viewers]"
    if key in CARD_FIELDS and isinstance(item, str):
        return mask_card(item)
    return _masked(item)


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _masked_field(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


class ExactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        if masking_cards.get():
            content = _masked(content)
        text = json.dumps(content, default=_encode, ensure_ascii=False)
        return text.encode("utf-8", "backslashreplace")  # a lone surrogate as its JSON escape


ERROR_CODES: Final[dict[str, tuple[int, str]]] = {
    "invalid_request": (400, "a path parameter or query value is refused (the message says why)"),
    "invalid_body": (400, "the body is not JSON, not an object, or a field is wrong"),
    "invalid_input": (
        400,
        "well-formed input the core refuses (e.g. a command the station's"
        " OCPP version cannot carry)",
    ),
    "unauthenticated": (401, "no valid API key: Authorization: Bearer <key>"),
    "forbidden": (403, "the key's role or operator does not allow this"),
    "not_found": (404, "the thing named does not exist (or belongs to another operator)"),
    "no_such_route": (404, "no route has this path"),
    "no_such_station": (404, "no such station (or another operator's)"),
    "no_such_session": (404, "no such session (or another operator's)"),
    "no_statement_yet": (404, "the session has not finished, so it has no statement yet"),
    "no_issued_statement": (404, "the session has no issued statement, so no receipt"),
    "method_not_allowed": (405, "the route does not take this method"),
    "conflict": (409, "the change conflicts with the current state"),
    "no_registered_details": (409, "the operator registered no details: no receipt (002 第19条)"),
    "not_connected": (409, "the station is not connected"),
    "too_large": (413, "the body is too large"),
    "unsupported_media_type": (415, "a body must be JSON (Content-Type: application/json)"),
    "too_many_requests": (429, "too many requests; Retry-After says when to try again"),
    "station_busy": (429, "too many commands already wait for this station"),
    "internal_error": (500, "a failure of the central system"),
    "station_error": (502, "the station answered with an error or refused the command"),
    "database_unavailable": (503, "the database is away; Retry-After says when to try again"),
    "not_available": (503, "this function is not available on this server"),
    "timeout": (504, "the station did not answer in time"),
}
DEFAULT_CODES: Final[dict[int, str]] = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    502: "station_error",
    503: "database_unavailable",
    504: "timeout",
}
_NO_SUCH: Final = re.compile(r"no such ([a-z]+)")


class ErrorBody(BaseModel):
    """Every error answer of the API."""

    error: str = Field(description="what went wrong, in words")
    code: str = Field(description="what went wrong, for programs: one of the documented codes")


def reply(body: BaseModel, status: int = 200) -> ExactJSONResponse:
    """A response model as exact JSON; the Python dump keeps Decimal, datetime and UUID."""
    return ExactJSONResponse(body.model_dump(), status_code=status)


def code_of(status: int, message: str) -> str:
    """The code of an error no route named one for: ``no such WHAT``, else the status's."""
    named = _NO_SUCH.fullmatch(message)
    if named is not None and status == 404:
        return f"no_such_{named.group(1)}"
    return DEFAULT_CODES.get(status, "invalid_request" if status < 500 else "internal_error")


def error(status: int, message: str, code: str | None = None) -> ExactJSONResponse:
    """``{"error": message, "code": code}`` with ``status``; ``code`` defaults by ``code_of``."""
    return reply(ErrorBody(error=message, code=code or code_of(status, message)), status)


def http_error(exc: HTTPException) -> ExactJSONResponse:
    """Starlette's own errors (its 404 is ``no_such_route``, its 405 keeps ``Allow``)."""
    code = "no_such_route" if exc.status_code == 404 else None
    answer = error(exc.status_code, exc.detail, code)
    answer.headers.update(exc.headers or {})
    return answer


Row = RootModel[dict[str, object]]  # a station, a session, ... as the read model gives it


def found(row: dict[str, object] | None, what: str) -> ExactJSONResponse:
    """A read-model row as exact JSON, or 404 ``no such WHAT`` when there is none."""
    if row is None:
        return error(404, f"no such {what}", f"no_such_{what.replace(' ', '_')}")
    return reply(Row(row))
