"""What a handler may be given: text that can be stored, integers that fit their columns.

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

from csms.handlers.wire.codec import to_camel
from csms.handlers.wire.dialects import ErrorCode, RpcError

IDENTIFYING: Final = frozenset({"id_tag", "id_token", "parent_id_tag", "transaction_id"})
INT32_FIELDS: Final = frozenset(
    {"connector_id", "evse_id", "id", "remote_start_id", "multiplier", "reservation_id"}
)
NUMERIC_FIELDS: Final = frozenset({"meter_start", "meter_stop"})  # numeric columns: any size
_INT32: Final = 2**31 - 1
_INT64: Final = 2**63 - 1
REPLACEMENT: Final = "\ufffd"


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate
        return True
    return False


def _replaced(text: str) -> str:
    return "".join(REPLACEMENT if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def _refused(path: list[str], why: str) -> RpcError:
    field = ".".join(next(iter(to_camel({p: None}))) for p in path) or "payload"
    return RpcError(ErrorCode.PROPERTY_CONSTRAINT, f"{field}: {why}", details={"field": field})


def guarded(fields: dict[str, Any]) -> dict[str, Any]:
    """The handler's keyword arguments (snake_case), safe to store; raises :class:`RpcError`."""
    result: dict[str, Any] = _value(fields, [])
    return result


def _value(value: Any, path: list[str]) -> Any:
    if isinstance(value, str):
        return _text(value, path)
    if isinstance(value, bool):
        return value
    names = [part.split("[", 1)[0] for part in path]  # "sampled_value[0]" is in sampled_value
    checked = "sampled_value" not in names and not NUMERIC_FIELDS.intersection(names[-1:])
    if isinstance(value, int) and checked:  # a sample's bad number makes it unreadable instead
        limit = _INT32 if names and names[-1] in INT32_FIELDS else _INT64
        if not -limit - 1 <= value <= limit:
            raise _refused(path, f"{value} is out of range (at most {limit})")
        return value
    if isinstance(value, dict):
        return {_text(k, [*path, k]): _value(v, [*path, k]) for k, v in value.items()}
    if isinstance(value, list):
        return [
            _value(v, [*path[:-1], f"{path[-1]}[{i}]"] if path else [str(i)])
            for i, v in enumerate(value)
        ]
    return value


def _text(text: str, path: list[str]) -> str:
    if not _unstorable(text):
        return text
    name = path[-1].split("[", 1)[0] if path else ""
    if name in IDENTIFYING:
        raise _refused(path, "contains a NUL or unpaired surrogate character")
    return _replaced(text)
