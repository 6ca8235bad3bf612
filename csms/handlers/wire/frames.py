"""OCPP-J frames (1.6J §4.1, 2.0.1 Part 4 §4.1): CALL, CALLRESULT, CALLERROR, parsed and built.

A frame that cannot be read raises :class:`RpcError` with the code the version must answer
(see :mod:`csms.handlers.wire.dialects`); the message id is ``"-1"`` when it is unreadable.
Nesting is bounded: JSON too deep for the parser is not valid JSON to us (1.6
FormationViolation, 2.0.1 RpcFrameworkError), a payload nested deeper than any OCPP message
(:data:`MAX_DEPTH`) is a FormatViolation (1.6 FormationViolation); the socket stays open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from csms.handlers.wire.codec import dumps
from csms.handlers.wire.dialects import Dialect, ErrorCode, RpcError

CALL: Final = 2
CALL_RESULT: Final = 3
CALL_ERROR: Final = 4
MAX_DEPTH: Final = 32  # the deepest OCPP 1.6/2.0.1 payload nests about 8 levels


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
    except RecursionError as exc:
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "message is nested too deeply") from exc
    if not isinstance(message, list) or not message:
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "message is not a JSON array")
    message_id = message[1] if len(message) > 1 and isinstance(message[1], str) else None
    if message_id is None or not 0 < len(message_id) <= 36:
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "message id missing or not a string of 1-36")
    type_id = message[0]
    if type_id == CALL:
        return _call(message, message_id)
    if type_id == CALL_RESULT:
        return _call_result(message, message_id)
    if type_id == CALL_ERROR:
        return _call_error(message, message_id)
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
    if _too_deep(message[3]):
        raise RpcError(
            ErrorCode.FORMAT,
            f"payload is nested deeper than {MAX_DEPTH} levels",
            message_id=message_id,
        )
    return Call(message_id, message[2], message[3])


def _too_deep(payload: Any) -> bool:
    """Whether ``payload`` nests deeper than :data:`MAX_DEPTH` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _call_result(message: list[Any], message_id: str) -> CallResult:
    if len(message) != 3 or not isinstance(message[2], dict) or _too_deep(message[2]):
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "malformed CALLRESULT", message_id=message_id)
    return CallResult(message_id, message[2])


def _call_error(message: list[Any], message_id: str) -> CallError:
    if len(message) != 5 or not all(isinstance(v, str) for v in message[2:4]):
        raise RpcError(ErrorCode.RPC_FRAMEWORK, "malformed CALLERROR", message_id=message_id)
    details = message[4] if isinstance(message[4], dict) and not _too_deep(message[4]) else {}
    return CallError(message_id, message[2], message[3], details)


def call_frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    """``[2, id, action, payload]``: a Call the central system sends."""
    return dumps([CALL, message_id, action, payload])


def result_frame(message_id: str, payload: dict[str, Any]) -> str:
    """``[3, id, payload]``: the answer to a station's Call."""
    return dumps([CALL_RESULT, message_id, payload])


def error_frame(dialect: Dialect, error: RpcError) -> str:
    """``[4, id, code, description, details]`` with the code spelled for ``dialect``."""
    return dumps(
        [
            CALL_ERROR,
            error.message_id,
            dialect.wire_code(error.code),
            error.description,
            error.details,
        ]
    )
