"""RPC error codes and how each OCPP-J version spells them (1.6J Table 7; 2.0.1 Part 4 Table 8).

One semantic code, spelled per version:

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

The ``ocpp`` library swaps NotImplemented/NotSupported and spells 1.6 FormatViolation; we
spell them as the specifications do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final

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
        """The version's spelling of ``code`` (1.6 ``FormationViolation`` for ``FORMAT``)."""
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
