"""Exact JSON answers: Decimal as a string, datetimes in ISO 8601, errors as ``{"error": ...}``."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, RootModel
from starlette.responses import JSONResponse


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


class ErrorBody(BaseModel):
    error: str


def reply(body: BaseModel, status: int = 200) -> ExactJSONResponse:
    """A response model as exact JSON; the Python dump keeps Decimal, datetime and UUID."""
    return ExactJSONResponse(body.model_dump(), status_code=status)


def error(status: int, message: str) -> ExactJSONResponse:
    return reply(ErrorBody(error=message), status)


Row = RootModel[dict[str, object]]  # a station, a session, ... as the read model gives it


def found(row: dict[str, object] | None, what: str) -> ExactJSONResponse:
    """A read-model row as exact JSON, or 404 ``no such WHAT`` when there is none."""
    if row is None:
        return error(404, f"no such {what}")
    return reply(Row(row))
