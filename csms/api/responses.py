"""Exact JSON answers: Decimal as a string, datetimes in ISO 8601, errors as ``{"error": ...}``.

While ``masking_cards`` is set (a viewer's request), every card id in an answer, at any depth,
is masked to its first 4 and last 2 characters: one place, so no route can forget it.
"""

from __future__ import annotations

import dataclasses
import json
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
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


masking_cards: ContextVar[bool] = ContextVar("masking_cards", default=False)
CARD_FIELDS: Final = frozenset({"id_token", "id_tag", "group_id", "parent_id_tag", "ID"})
WITHHELD_FIELDS: Final = frozenset({"raw"})  # a signed record's text: it carries the card


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
