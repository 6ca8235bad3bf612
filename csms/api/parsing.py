"""Reading requests: JSON bodies through pydantic models, their field rules, path and query.

A body is a JSON object; unknown keys are ignored. A problem is answered 400 with the first
field's message, e.g. ``bad request: evse_id must be a non-negative integer``.

The length and character rules of every text the API takes are here, for body fields, path
parameters and query values alike: no NUL (PostgreSQL text cannot hold it) and no lone
surrogate (not encodable as UTF-8, so neither storable nor sendable to a station), and at
most ``ID_MAX`` characters for ids (the OCPP identity: OCPP-J 1.6 §3.1 and 2.0.1 Part 4
§3.1.1 allow 48), ``TOKEN_MAX`` for id tokens (2.0.1 IdTokenType.idToken is string[36];
1.6 IdToken CiString20), ``NAME_MAX`` for names and ``FREE_TEXT_MAX`` for free text.
Integers are within int32 (the columns are ``integer``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any, Final, TypeVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ValidationError, ValidationInfo, model_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csms.api.error_status import BadRequest, InvalidBody
from csms.api.responses import error

Body = TypeVar("Body", bound=BaseModel)
Choice = TypeVar("Choice", bound=Enum)

ID_MAX: Final = 48  # station, operator, account, stand ids: OCPP's identity limit
TOKEN_MAX: Final = 36  # id tokens and group ids: 2.0.1 IdTokenType.idToken string[36]
NAME_MAX: Final = 200  # names, labels, makers, serials, configuration keys
FREE_TEXT_MAX: Final = 1000  # notes, reasons, keys in hex, configuration values
INT32_MAX: Final = 2**31 - 1
PATH_LIMITS: Final[Mapping[str, int]] = {
    "station_id": ID_MAX,
    "account_id": ID_MAX,
    "stand_id": ID_MAX,
    "session_id": 36,  # a UUID
    "command": ID_MAX,
    "membership_id": ID_MAX,
}
QUERY_LIMITS: Final[Mapping[str, int]] = {"station_id": ID_MAX}
UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")  # NUL or a lone surrogate


def checked_text(value: str, field: str, limit: int) -> str:
    """``value`` if it is storable and sendable text of at most ``limit`` characters.

    Raises:
        ValueError: naming ``field`` and what is wrong with it.
    """
    if len(value) > limit:
        raise ValueError(f"{field} must be at most {limit} characters")
    if UNSTORABLE.search(value):
        raise ValueError(f"{field} must not contain NUL or lone surrogate characters")
    return value


def _text_check(limit: int, *, empty: bool = False) -> Callable[[object, ValidationInfo], str]:
    def text(value: object, info: ValidationInfo) -> str:
        if not isinstance(value, str) or not (value or empty):
            kind = "a string" if empty else "a non-empty string"
            raise ValueError(f"{info.field_name} must be {kind}")
        return checked_text(value, str(info.field_name), limit)

    return text


def text_rule(limit: int, *, empty: bool = False) -> BeforeValidator:
    """A string field of at most ``limit`` storable characters (non-empty unless ``empty``)."""
    return BeforeValidator(_text_check(limit, empty=empty))


def optional_rule(limit: int) -> BeforeValidator:
    """Like ``text_rule(limit)``, or null."""
    check = _text_check(limit)

    def optional(value: object, info: ValidationInfo) -> str | None:
        return None if value is None else check(value, info)

    return BeforeValidator(optional)


_text = _text_check(NAME_MAX)


def _optional_text(value: object, info: ValidationInfo) -> str | None:
    return None if value is None else _text(value, info)


def _moment(value: object, info: ValidationInfo) -> datetime | None:
    text = _optional_text(value, info)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError(f"{info.field_name} needs a UTC offset")
        moment.astimezone(UTC)  # 0001-01-01T00:00+01:00 is before the first UTC moment
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{info.field_name} must be an ISO 8601 time with a UTC offset") from exc
    return moment


def _count(value: object, info: ValidationInfo) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{info.field_name} must be a non-negative integer")
    if value > INT32_MAX:
        raise ValueError(f"{info.field_name} must be at most {INT32_MAX}")
    return value


def _optional_count(value: object, info: ValidationInfo) -> int | None:
    return None if value is None else _count(value, info)


def _flag(value: object, info: ValidationInfo) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{info.field_name} must be true or false")
    return value


def _truthy(value: object) -> bool:
    return bool(value)  # these switches have always read any JSON value by its truthiness


Text = Annotated[str, BeforeValidator(_text)]  # a name: at most NAME_MAX characters
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
Identifier = Annotated[str, text_rule(ID_MAX)]
OptionalIdentifier = Annotated[str | None, optional_rule(ID_MAX)]
TokenId = Annotated[str, text_rule(TOKEN_MAX)]
OptionalTokenId = Annotated[str | None, optional_rule(TOKEN_MAX)]
FreeText = Annotated[str, text_rule(FREE_TEXT_MAX)]
OptionalFreeText = Annotated[str | None, optional_rule(FREE_TEXT_MAX)]
Moment = Annotated[datetime | None, BeforeValidator(_moment)]  # ISO 8601 with a UTC offset
Count = Annotated[int, BeforeValidator(_count)]
OptionalCount = Annotated[int | None, BeforeValidator(_optional_count)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Truthy = Annotated[bool, BeforeValidator(_truthy)]


def member_of(kind: type[Choice]) -> BeforeValidator:
    """Read a value as ``kind(value)``, so a wrong one gets the enum's own message."""

    def choose(value: object) -> Choice:
        try:
            return kind(value)
        except TypeError:  # an unhashable JSON value (a list, an object)
            raise ValueError(f"{value!r} is not a valid {kind.__name__}") from None

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
        raise InvalidBody("bad request: the body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidBody("bad request: the body must be a JSON object")
    return body


async def read_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON object validated by ``model``, or BadRequest with the first problem."""
    body = await json_object(request)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidBody(f"bad request: {problem(exc)}") from exc


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


def check_path_and_query(request: Request) -> None:
    """Every path parameter and query value within its limit and storable, else BadRequest.

    A name without its own limit in ``PATH_LIMITS`` or ``QUERY_LIMITS`` gets ``NAME_MAX``
    (path) or ``FREE_TEXT_MAX`` (query).
    """
    try:
        for name, value in request.path_params.items():
            checked_text(str(value), name, PATH_LIMITS.get(name, NAME_MAX))
        for name, value in request.query_params.multi_items():
            checked_text(name, "a query parameter's name", NAME_MAX)
            checked_text(value, name, QUERY_LIMITS.get(name, FREE_TEXT_MAX))
    except ValueError as exc:
        raise BadRequest(f"bad request: {exc}") from exc


def checking_inputs(route: BaseRoute) -> BaseRoute:
    """The route, its endpoint checking path and query first (``check_path_and_query``)."""
    if not isinstance(route, Route) or not route.path.startswith("/api/"):
        return route
    endpoint = route.endpoint

    async def checked(request: Request) -> Response:
        try:
            check_path_and_query(request)
        except BadRequest as exc:
            return error(400, str(exc))
        return await endpoint(request)  # type: ignore[no-any-return]

    return Route(route.path, checked, methods=sorted(route.methods or ()), name=route.name)
