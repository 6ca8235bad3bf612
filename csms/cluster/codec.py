"""Station commands, their results and their errors as JSON between nodes.

A command travels from the node that got the operator's call to the node holding the
station's socket. Only the core's command records may be rebuilt on the other side (the
types reachable from ``StationCommand``, found once from the type hints), and every value
keeps its type: ``Decimal`` as its string (never a float: charging limits and costs),
datetimes with their offset, tuples, enums and UUIDs tagged; a number in a ``RawCall``'s
payload travels as the JSON number it was. No pickle: a message on the
bus cannot make a node build anything else.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from csms.errors import (
    InvalidInput,
    StationBusy,
    StationCommandError,
    StationNotConnected,
    StationRejected,
    StationTimeout,
)
from csms.station_commands.commands import CommandResult, StationCommand


def _records_and_enums(root: Any) -> tuple[dict[str, type], dict[str, type[enum.Enum]]]:
    """Every dataclass and enum reachable from ``root``'s type hints, by name."""
    records: dict[str, type] = {}
    enums: dict[str, type[enum.Enum]] = {}
    todo = [root]
    while todo:
        hint = todo.pop()
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if hint.__name__ not in records:
                records[hint.__name__] = hint
                todo.extend(typing.get_type_hints(hint).values())
        elif isinstance(hint, type) and issubclass(hint, enum.Enum):
            enums[hint.__name__] = hint
        else:
            todo.extend(typing.get_args(hint))
    return records, enums


_RECORDS, _ENUMS = _records_and_enums(StationCommand | CommandResult)
_ERRORS: Final[dict[str, type[StationCommandError | InvalidInput]]] = {
    "not_connected": StationNotConnected,
    "timeout": StationTimeout,
    "busy": StationBusy,
    "rejected": StationRejected,
    "invalid": InvalidInput,
    "failed": StationCommandError,  # last: the others are its kinds
}


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"$enum": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$record": type(value).__name__, "f": fields}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {"$dict": {key: _encode(item) for key, item in value.items()}}
    return value  # str, int, bool, None, and a float of a RawCall's payload as given


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$record" in value:
        record = _RECORDS[value["$record"]]  # KeyError: not a command's record
        return record(**{key: _decode(item) for key, item in value["f"].items()})
    if "$enum" in value:
        return _ENUMS[value["$enum"]](value["v"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$uuid" in value:
        return UUID(value["$uuid"])
    if "$tuple" in value:
        return tuple(_decode(item) for item in value["$tuple"])
    return {key: _decode(item) for key, item in value["$dict"].items()}


def encode_command(command: StationCommand) -> bytes:
    return json.dumps(_encode(command), separators=(",", ":")).encode()


def decode_command(data: bytes) -> StationCommand:
    """Raises (``ValueError``, ``KeyError``, ...) for anything but a command."""
    command = _decode(json.loads(data))
    if not isinstance(command, tuple(_RECORDS[name] for name in _COMMAND_NAMES)):
        raise ValueError("not a station command")
    return typing.cast(StationCommand, command)


_COMMAND_NAMES: Final = tuple(t.__name__ for t in typing.get_args(StationCommand))


def encode_result(result: CommandResult) -> bytes:
    return json.dumps({"result": _encode(result)}, separators=(",", ":")).encode()


def encode_error(exc: StationCommandError | InvalidInput) -> bytes:
    kind = next(name for name, cls in _ERRORS.items() if isinstance(exc, cls))
    extra = (
        {"code": exc.code, "description": exc.description}
        if isinstance(exc, StationRejected)
        else {}
    )
    return json.dumps({"error": kind, "message": str(exc), **extra}).encode()


def decode_answer(data: bytes) -> CommandResult:
    """The owning node's answer: the result, or its error raised here as it was there."""
    answer = json.loads(data)
    if "result" in answer:
        result = _decode(answer["result"])
        if not isinstance(result, CommandResult):
            raise ValueError("not a command result")
        return result
    cls = _ERRORS.get(answer.get("error"), StationCommandError)
    error = cls.__new__(cls)
    Exception.__init__(error, answer["message"])
    if isinstance(error, StationRejected):
        error.code, error.description = answer["code"], answer["description"]
    raise error


__all__ = [
    "decode_answer",
    "decode_command",
    "encode_command",
    "encode_error",
    "encode_result",
]
