"""Reading requests: JSON bodies through pydantic models, their field rules, path ids.

A body is a JSON object; unknown keys are ignored. A problem is answered 400 with the first
field's message, e.g. ``bad request: evse_id must be a non-negative integer``.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ValidationError, ValidationInfo, model_validator
from starlette.requests import Request

from csms.api.error_status import BadRequest

Body = TypeVar("Body", bound=BaseModel)
Choice = TypeVar("Choice", bound=Enum)


def _text(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{info.field_name} must be a non-empty string")
    return value


def _optional_text(value: object, info: ValidationInfo) -> str | None:
    return None if value is None else _text(value, info)


def _moment(value: object, info: ValidationInfo) -> datetime | None:
    text = _optional_text(value, info)
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{info.field_name} needs a UTC offset")
    return moment


def _count(value: object, info: ValidationInfo) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{info.field_name} must be a non-negative integer")
    return value


def _optional_count(value: object, info: ValidationInfo) -> int | None:
    return None if value is None else _count(value, info)


def _flag(value: object, info: ValidationInfo) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{info.field_name} must be true or false")
    return value


def _truthy(value: object) -> bool:
    return bool(value)  # these switches have always read any JSON value by its truthiness


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
Moment = Annotated[datetime | None, BeforeValidator(_moment)]  # ISO 8601 with a UTC offset
Count = Annotated[int, BeforeValidator(_count)]
OptionalCount = Annotated[int | None, BeforeValidator(_optional_count)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Truthy = Annotated[bool, BeforeValidator(_truthy)]


def member_of(kind: type[Choice]) -> BeforeValidator:
    """Read a value as ``kind(value)``, so a wrong one gets the enum's own message."""

    def choose(value: object) -> Choice:
        return kind(value)

    return BeforeValidator(choose)


class RequestBody(BaseModel):
    """A JSON object body; a required key that is missing is validated as null."""

    @model_validator(mode="before")
    @classmethod
    def _missing_as_null(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        required = {name: None for name, field in cls.model_fields.items() if field.is_required()}
        return {**required, **data}


def problem(exc: ValidationError) -> str:
    """The first problem in words: a validator's own message, else ``field: pydantic's``."""
    first = exc.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if first["type"] == "value_error" and cause is not None:
        return str(cause)
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def read_query(request: Request, model: type[Body]) -> Body:
    """The query string validated by ``model``, or BadRequest with the first problem."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise BadRequest(problem(exc)) from exc


def limit_between(low: int, high: int, unreadable: str) -> BeforeValidator:
    """A ``limit`` query value: an integer from ``low`` to ``high``; else ``unreadable``."""

    def limit(value: object) -> int:
        try:
            number = int(str(value))
        except ValueError:
            raise ValueError(unreadable) from None
        if not low <= number <= high:
            raise ValueError(f"limit must be between {low} and {high}")
        return number

    return BeforeValidator(limit)


async def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object (no body at all reads as ``{}``), or BadRequest saying why not."""
    if not await request.body():
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise BadRequest("bad request: the body is not JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("bad request: the body must be a JSON object")
    return body


async def read_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON object validated by ``model``, or BadRequest with the first problem."""
    body = await json_object(request)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadRequest(f"bad request: {problem(exc)}") from exc


def session_id_of(request: Request) -> UUID | None:
    try:
        return UUID(request.path_params["session_id"])
    except ValueError:
        return None


def session_id(request: Request) -> UUID:
    """The ``{session_id}`` of the path, or BadRequest when it is not a UUID."""
    found = session_id_of(request)
    if found is None:
        raise BadRequest("session id is not a UUID")
    return found
