"""Shared HTTP answers: exact JSON (Decimal as string), errors with a message, error statuses."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from csms.errors import (
    Conflict,
    CsmsError,
    InvalidInput,
    NotFound,
    StationNotConnected,
    StationRejected,
    StationTimeout,
)

ERROR_STATUS: Final[dict[type[CsmsError], int]] = {
    InvalidInput: 400,
    NotFound: 404,
    Conflict: 409,
    StationNotConnected: 409,
    StationRejected: 502,
    StationTimeout: 504,
}


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: energy and money are never floats
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class ExactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_encode, ensure_ascii=False).encode()


def error(status: int, message: str) -> ExactJSONResponse:
    return ExactJSONResponse({"error": message}, status_code=status)


def session_id_of(request: Request) -> UUID | None:
    try:
        return UUID(request.path_params["session_id"])
    except ValueError:
        return None


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or ValueError with a message."""
    try:
        body = await request.json()
    except ValueError as exc:
        raise ValueError("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


Endpoint = Callable[[Request], Awaitable[Response]]


def guarded(endpoint: Endpoint) -> Endpoint:
    """Map domain errors and bad bodies to 4xx/5xx with a message (one place)."""

    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except CsmsError as exc:
            return error(ERROR_STATUS.get(type(exc), 500), str(exc))
        except (ValueError, TypeError, KeyError) as exc:
            return error(400, f"bad request: {exc}")

    return wrapper
