"""Values on the OCPP-J wire: exact JSON numbers, key case, library payloads, date-times.

Numbers are parsed as ``Decimal`` (never float) and written back exactly, where the ``ocpp``
library writes a ``Decimal`` with one decimal place (style.md §13). Key case follows the
library's rules, special cases included.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case

from csms.errors import InvalidInput


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):  # exact: integral values as int, others as their digits
        return int(value) if value == value.to_integral_value() else float(str(value))
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(frame: list[Any]) -> str:
    """Encode a frame compactly; ``Decimal`` keeps its digits (no one-decimal trap)."""
    # ASCII escapes: a lone surrogate echoed from a station (a message id, a property name in
    # an error text) cannot make the frame unsendable.
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=True, default=_default)


@lru_cache(maxsize=4096)
def snake_key(key: str) -> str:
    """One camelCase key in snake_case, with the library's rules (cached)."""
    result: dict[str, Any] = camel_to_snake_case({key: None})
    return next(iter(result))


@lru_cache(maxsize=4096)
def _camel_key(key: str) -> str:
    result: dict[str, Any] = snake_to_camel_case({key: None})
    return next(iter(result))


def _rekey(data: Any, key: Callable[[str], str]) -> Any:
    if isinstance(data, dict):
        return {key(k): _rekey(v, key) for k, v in data.items()}
    if isinstance(data, list):
        return [_rekey(v, key) for v in data]
    return data


def to_snake(data: Any) -> Any:
    """camelCase keys to snake_case, with the library's rules, cached per key."""
    return _rekey(data, snake_key)


def to_camel(data: Any) -> Any:
    """snake_case keys to camelCase (``soc`` gives ``SoC``, ``_url`` gives ``URL``)."""
    return _rekey(data, _camel_key)


@lru_cache(maxsize=1024)
def _camel_fields(cls: type[Any]) -> tuple[tuple[str, str], ...]:
    """A dataclass's field names with their camelCase keys, worked out once per class."""
    return tuple((field.name, _camel_key(field.name)) for field in fields(cls))


def _plain(value: Any) -> Any:
    """One pass over a payload tree: dataclasses and dicts to camelCase dicts, None dropped
    (what ``serialize_as_dict`` + ``remove_nones`` + ``to_camel`` do in three passes)."""
    if isinstance(value, dict):
        return {_camel_key(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value if v is not None]
    if is_dataclass(value) and not isinstance(value, type):
        plain = {}
        for name, key in _camel_fields(type(value)):
            field_value = getattr(value, name)
            if field_value is not None:
                plain[key] = _plain(field_value)
        return plain
    return value


def payload_of(message: Any) -> dict[str, Any]:
    """A library dataclass (call or call_result) as a camelCase payload without None."""
    if is_dataclass(message) and not isinstance(message, type):
        result: dict[str, Any] = _plain(message)
        return result
    if isinstance(message, dict):
        return message
    raise TypeError(f"handler returned {type(message).__name__}, not a payload")


def parse_timestamp(value: str) -> datetime:
    """Parse an OCPP date-time; a value without offset is read as UTC (some 1.6 firmwares).

    Example: ``parse_timestamp("2025-01-31T15:00:00Z")`` gives 2025-01-31 15:00 UTC, which is
    2025-02-01 00:00 in JST.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"timestamp {value!r} is not an ISO 8601 date-time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_timestamp(value: datetime) -> str:
    """UTC with a Z and millisecond precision, as stations expect."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
