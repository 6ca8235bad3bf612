"""What a handler may be given: text that can be stored, integers that fit their columns.

:func:`handler_arguments` turns a Call's camelCase payload into the handler's snake_case
keyword arguments and applies the rules below in the same single walk over the payload.

JSON allows NUL (``\\u0000``) and unpaired surrogates (``\\ud800``) in strings and integers of
any size; PostgreSQL text and jsonb take neither character, and integer columns overflow.
Before a handler runs (OCPP-J 1.6 §4.2.3, 2.0.1 Part 4 §4.3: a value we cannot take is a
CallError naming the field):

* a string that **identifies** something (an idTag, an idToken, a transaction id) with such
  a character cannot be recorded meaningfully: ``PropertyConstraintViolation`` naming it;
* any other string (vendor, model, firmware, status info, data transfer text, ...) is kept
  with those characters replaced by U+FFFD, so that e.g. a BootNotification still succeeds;
* an EVSE/connector id (or another counter stored as a 32-bit integer) out of range, or any
  integer beyond 64 bits: ``PropertyConstraintViolation`` naming it (seqNo is 64-bit); a
  sampled value's numbers are not refused here: a bad one makes that sample unreadable
  (``handlers.mapping.read_samples``), never the message; 1.6 meterStart/meterStop are
  stored as numeric, of any size.
"""

from __future__ import annotations

from typing import Any, Final

from csms.handlers.wire.codec import snake_key, to_camel
from csms.handlers.wire.dialects import ErrorCode, RpcError

IDENTIFYING: Final = frozenset({"id_tag", "id_token", "parent_id_tag", "transaction_id"})
INT32_FIELDS: Final = frozenset(
    {"connector_id", "evse_id", "id", "remote_start_id", "multiplier", "reservation_id"}
)
NUMERIC_FIELDS: Final = frozenset({"meter_start", "meter_stop"})  # numeric columns: any size
_INT32: Final = 2**31 - 1
_INT64: Final = 2**63 - 1
REPLACEMENT: Final = "\ufffd"


# A path to a value, built only as needed: (parent, key) links, a list element's key is its
# index. Rendered as "meterValue[0].sampledValue[1].value" only for an error.
Path = tuple[Any, str | int] | None


def _storable(text: str) -> bool:
    if text.isascii():
        return "\x00" not in text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate
        return False
    return "\x00" not in text


def _replaced(text: str) -> str:
    return "".join(REPLACEMENT if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def _parts(path: Path) -> list[str]:
    """The field names from the payload down, camelCase, each list index on its list."""
    links: list[str | int] = []
    while path is not None:
        path, part = path
        links.append(part)
    parts: list[str] = []
    for part in reversed(links):
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(str(part))
        else:
            parts.append(next(iter(to_camel({part: None}))))
    return parts


def _refused(path: Path, why: str) -> RpcError:
    field = ".".join(_parts(path)) or "payload"
    return RpcError(ErrorCode.PROPERTY_CONSTRAINT, f"{field}: {why}", details={"field": field})


def handler_arguments(payload: dict[str, Any]) -> dict[str, Any]:
    """The handler's keyword arguments (snake_case), safe to store; raises :class:`RpcError`."""
    result: dict[str, Any] = _value(payload, None, "", False)
    return result


def _value(value: Any, path: Path, name: str, in_sample: bool) -> Any:
    """``name``: the key the value is under (a list's for its elements); ``in_sample``:
    inside a sampled value, whose numbers are never refused here."""
    if isinstance(value, str):
        return value if _storable(value) else _text(value, path, name)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if in_sample or name in NUMERIC_FIELDS:  # a sample's bad number: unreadable instead
            return value
        limit = _INT32 if name in INT32_FIELDS else _INT64
        if not -limit - 1 <= value <= limit:
            raise _refused(path, f"{value} is out of range (at most {limit})")
        return value
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            snake = snake_key(key)
            child = (path, snake)
            if not _storable(snake):
                snake = _text(snake, child, snake)
            result[snake] = _value(item, child, snake, in_sample or snake == "sampled_value")
        return result
    if isinstance(value, list):
        return [_value(item, (path, i), name, in_sample) for i, item in enumerate(value)]
    return value


def _text(text: str, path: Path, name: str) -> str:
    if _storable(text):
        return text
    if name in IDENTIFYING:
        raise _refused(path, "contains a NUL or unpaired surrogate character")
    return _replaced(text)
