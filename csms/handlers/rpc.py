"""OCPP-J RPC framing, validation, error mapping and dispatch (style.md §13).

We keep the ``ocpp`` library's message dataclasses, enums and JSON schemas, but own the
wire, because its run loop handles frames one at a time (a CSMS call from a handler
times out), swaps NotImplemented/NotSupported, sends no answer to unparsable frames,
writes ``Decimal`` with one decimal place and validates in slow pure Python.

Error codes (1.6J Table 7; 2.0.1 Part 4 Table 8). One semantic code, spelled per version:

================================  ==============================  ==========================
case                              OCPP 1.6J                       OCPP 2.0.1
================================  ==============================  ==========================
invalid JSON, not a list,         FormationViolation              RpcFrameworkError
unreadable message id / action    (message id "-1" if unreadable)  (message id "-1")
unknown message type number       GenericError                    MessageTypeNotSupported
action not in the protocol        NotImplemented                  NotImplemented
action known but not handled      NotSupported                    NotSupported
payload not an object             ProtocolError                   ProtocolError
unknown field (additionalProps)   FormationViolation              FormatViolation
field of the wrong JSON type      TypeConstraintViolation         TypeConstraintViolation
missing field, array size         OccurenceConstraintViolation    OccurrenceConstraintViolation
bad value (enum, length, range,   PropertyConstraintViolation     PropertyConstraintViolation
date-time format, pattern)
a handler failed                  InternalError (no internals)    InternalError
================================  ==============================  ==========================

Numbers are parsed as ``Decimal`` (never float) and written back exactly.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, is_dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Final

import fastjsonschema
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)

CALL: Final = 2
CALL_RESULT: Final = 3
CALL_ERROR: Final = 4
UNREADABLE_ID: Final = "-1"


class ErrorCode(enum.Enum):
    """Version-neutral RPC error; :class:`Dialect` spells it on the wire."""

    RPC_FRAMEWORK = "RpcFrameworkError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    PROTOCOL = "ProtocolError"
    FORMAT = "FormatViolation"
    TYPE_CONSTRAINT = "TypeConstraintViolation"
    OCCURRENCE_CONSTRAINT = "OccurrenceConstraintViolation"
    PROPERTY_CONSTRAINT = "PropertyConstraintViolation"
    INTERNAL = "InternalError"
    SECURITY = "SecurityError"
    GENERIC = "GenericError"


class RpcError(Exception):
    """An error answered with a CALLERROR frame."""

    def __init__(
        self,
        code: ErrorCode,
        description: str,
        *,
        message_id: str = UNREADABLE_ID,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code.value}: {description}")
        self.code = code
        self.description = description
        self.message_id = message_id
        self.details = details or {}


@dataclass(frozen=True)
class Dialect:
    """What differs between OCPP-J versions at the RPC level."""

    version: str
    subprotocol: str
    schema_package: str
    request_suffix: str
    spelling: dict[ErrorCode, str]

    def wire_code(self, code: ErrorCode) -> str:
        return self.spelling.get(code, code.value)


V16: Final = Dialect(
    version="1.6",
    subprotocol="ocpp1.6",
    schema_package="v16",
    request_suffix="",
    spelling={
        ErrorCode.FORMAT: "FormationViolation",
        ErrorCode.OCCURRENCE_CONSTRAINT: "OccurenceConstraintViolation",
        ErrorCode.RPC_FRAMEWORK: "FormationViolation",
        ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED: "GenericError",
    },
)
V201: Final = Dialect(
    version="2.0.1",
    subprotocol="ocpp2.0.1",
    schema_package="v201",
    request_suffix="Request",
    spelling={},
)
DIALECTS: Final = {d.subprotocol: d for d in (V16, V201)}

_SUBJECT: Final = re.compile(r"^data(\.[\w.\[\]]+)?\s")
_RULE_TO_CODE: Final = {
    "type": ErrorCode.TYPE_CONSTRAINT,
    "additionalProperties": ErrorCode.FORMAT,
    "required": ErrorCode.OCCURRENCE_CONSTRAINT,
    "minItems": ErrorCode.OCCURRENCE_CONSTRAINT,
    "maxItems": ErrorCode.OCCURRENCE_CONSTRAINT,
}


@dataclass(frozen=True, slots=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    message_id: str
    code: str
    description: str
    details: dict[str, Any]


Frame = Call | CallResult | CallError


def parse_frame(raw: str | bytes) -> Frame:
    """Parse one websocket message into a frame, or raise :class:`RpcError`.

    Example: ``parse_frame('[2,"19","Heartbeat",{}]')`` gives ``Call("19", "Heartbeat", {})``.
    """
    try:
        message = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "message is not valid JSON") from exc
    if not isinstance(message, list) or not message:
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "message is not a JSON array")
    message_id = message[1] if len(message) > 1 and isinstance(message[1], str) else None
    if message_id is None or not 0 < len(message_id) <= 36:
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "message id missing or not a string of 1-36")
    type_id = message[0]
    if type_id == CALL:
        return _call(message, message_id)
    if type_id == CALL_RESULT:
        if len(message) != 3 or not isinstance(message[2], dict):
            raise RpcError(ErrorCode.RPC_FRAMEWORK, "malformed CALLRESULT", message_id=message_id)
        return CallResult(message_id, message[2])
    if type_id == CALL_ERROR:
        if len(message) != 5 or not all(isinstance(v, str) for v in message[2:4]):
            raise RpcError(ErrorCode.RPC_FRAMEWORK, "malformed CALLERROR", message_id=message_id)
        details = message[4] if isinstance(message[4], dict) else {}
        return CallError(message_id, message[2], message[3], details)
    raise RpcError(
        ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED,
        f"message type {type_id!r} is not supported",
        message_id=message_id,
    )


def _call(message: list[Any], message_id: str) -> Call:
    if len(message) != 4 or not isinstance(message[2], str):
        raise RpcError(
            ErrorCode.PROTOCOL, "CALL must be [2, id, action, payload]", message_id=message_id
        )
    if not isinstance(message[3], dict):
        raise RpcError(ErrorCode.PROTOCOL, "payload must be a JSON object", message_id=message_id)
    return Call(message_id, message[2], message[3])


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):  # exact: integral values as int, others as their digits
        return int(value) if value == value.to_integral_value() else float(str(value))
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(frame: list[Any]) -> str:
    """Encode a frame compactly; ``Decimal`` keeps its digits (no one-decimal trap)."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=_default)


def call_frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return dumps([CALL, message_id, action, payload])


def result_frame(message_id: str, payload: dict[str, Any]) -> str:
    return dumps([CALL_RESULT, message_id, payload])


def error_frame(dialect: Dialect, error: RpcError) -> str:
    return dumps(
        [
            CALL_ERROR,
            error.message_id,
            dialect.wire_code(error.code),
            error.description,
            error.details,
        ]
    )


_COMPILED: Final[dict[tuple[str, str], Callable[[Any], Any]]] = {}


class Schemas:
    """Compiled (fastjsonschema) validators for one version's official schema files."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._folder = resources.files("ocpp") / dialect.schema_package / "schemas"
        names = {entry.name.removesuffix(".json") for entry in self._folder.iterdir()}
        self.actions: frozenset[str] = frozenset(
            name.removesuffix("Request") if dialect.request_suffix else name
            for name in names
            if not name.endswith("Response") and name.endswith(dialect.request_suffix)
        )

    def _validator(self, name: str) -> Callable[[Any], Any]:
        key = (self._dialect.schema_package, name)
        validator = _COMPILED.get(key)
        if validator is None:  # compiled once per process, shared by every server instance
            text = (self._folder / f"{name}.json").read_text(encoding="utf-8-sig")
            schema = json.loads(text, parse_float=Decimal)
            schema.pop("$schema", None)  # 1.6 and 2.0.1 files differ; the checks are the same
            validator = fastjsonschema.compile(schema)
            _COMPILED[key] = validator
        return validator

    def warm(self, actions: set[str]) -> None:
        """Compile the validators of the handled actions at start-up, not on first use."""
        for action in actions:
            self._validator(action + self._dialect.request_suffix)
            self._validator(action + "Response")

    def validate_request(self, action: str, payload: dict[str, Any], message_id: str) -> None:
        self._check(action + self._dialect.request_suffix, payload, message_id)

    def validate_response(self, action: str, payload: dict[str, Any], message_id: str) -> None:
        self._check(action + "Response", payload, message_id)

    def _check(self, name: str, payload: dict[str, Any], message_id: str) -> None:
        try:
            self._validator(name)(payload)
        except fastjsonschema.JsonSchemaValueException as exc:
            code = _RULE_TO_CODE.get(exc.rule or "", ErrorCode.PROPERTY_CONSTRAINT)
            field = ".".join(str(p) for p in (exc.path or [])[1:]) or "payload"
            raise RpcError(
                code,
                f"{field}: {_SUBJECT.sub('', exc.message)}",
                message_id=message_id,
                details={"field": field, "rule": exc.rule},
            ) from exc


@lru_cache(maxsize=4096)
def _snake_key(key: str) -> str:
    result: dict[str, Any] = camel_to_snake_case({key: None})
    return next(iter(result))


@lru_cache(maxsize=4096)
def _camel_key(key: str) -> str:
    result: dict[str, Any] = snake_to_camel_case({key: None})
    return next(iter(result))


def to_snake(data: Any) -> Any:
    """camelCase keys to snake_case, with the library's rules, cached per key."""
    if isinstance(data, dict):
        return {_snake_key(k): to_snake(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_snake(v) for v in data]
    return data


def to_camel(data: Any) -> Any:
    if isinstance(data, dict):
        return {_camel_key(k): to_camel(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_camel(v) for v in data]
    return data


def payload_of(message: Any) -> dict[str, Any]:
    """A library dataclass (call or call_result) as a camelCase payload without None."""
    if is_dataclass(message) and not isinstance(message, type):
        cleaned: dict[str, Any] = remove_nones(serialize_as_dict(message))
        result: dict[str, Any] = to_camel(cleaned)
        return result
    if isinstance(message, dict):
        return message
    raise TypeError(f"handler returned {type(message).__name__}, not a payload")


Handler = Callable[..., Awaitable[Any]]
_ACTION_ATTRIBUTE: Final = "_ocpp_action"


def on(action: str) -> Callable[[Handler], Handler]:
    """Mark an adapter method as the handler of ``action`` (a Call from the station)."""

    def mark(method: Handler) -> Handler:
        setattr(method, _ACTION_ATTRIBUTE, action)
        return method

    return mark


def handlers_of(adapter: object) -> dict[str, Handler]:
    """The action -> bound method table of an adapter instance."""
    table: dict[str, Handler] = {}
    for name in dir(type(adapter)):
        action = getattr(getattr(type(adapter), name), _ACTION_ATTRIBUTE, None)
        if action is not None:
            table[action] = getattr(adapter, name)
    return table
