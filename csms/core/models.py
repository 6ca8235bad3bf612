"""Version-neutral domain models (style.md §3, §4).

OCPP 1.6 and 2.0.1 adapters translate into these; what 1.6 lacks is marked unknown,
never invented (e.g. ``TokenKind.UNKNOWN`` for a 1.6 idTag).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from csms.billing.pricer import Line


class TokenKind(enum.StrEnum):
    """How a token was presented (2.0.1 IdTokenEnumType); 1.6 idTags are UNKNOWN."""

    ISO14443 = "ISO14443"
    ISO15693 = "ISO15693"
    KEY_CODE = "KeyCode"
    CENTRAL = "Central"
    LOCAL = "Local"
    EMAID = "eMAID"
    MAC_ADDRESS = "MacAddress"
    NO_AUTHORIZATION = "NoAuthorization"
    UNKNOWN = "Unknown"


class TokenStatus(enum.StrEnum):
    """Stored status of a token; ``INVALID`` is the answer for a token we do not know."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"  # a card of another operator (1.6: Invalid)


class AccountStatus(enum.StrEnum):
    VALID = "valid"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    DEACTIVATED = "deactivated"  # unused too long (seed 002: 4 months)


class SessionState(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class IdToken:
    """A presented token, value normalised (see ``authorization.normalise_token``)."""

    value: str
    kind: TokenKind = TokenKind.UNKNOWN


@dataclass(frozen=True, slots=True)
class AuthorizationResult:
    status: TokenStatus
    expires_at: datetime | None = None
    group_id: str | None = None
    visitor_id: UUID | None = None  # accepted as a visitor's card touch or password

    @property
    def accepted(self) -> bool:
        return self.status is TokenStatus.ACCEPTED


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id_token: str
    kind: TokenKind
    status: TokenStatus
    expires_at: datetime | None
    group_id: str | None
    created_at: datetime | None = None
    operator_id: str | None = None
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A member's account at one operator; its cards and app token point to it."""

    account_id: str
    operator_id: str
    name: str
    email: str | None
    status: AccountStatus
    expires_at: datetime | None
    group_id: str | None
    last_used_at: datetime | None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Station:
    station_id: str
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    ocpp_version: str | None = None
    connected: bool = False
    last_seen_at: datetime | None = None
    last_boot_at: datetime | None = None
    created_at: datetime | None = None
    has_password: bool = False
    security_profile: int = 0


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    station_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    status_at: datetime


@dataclass(frozen=True, slots=True)
class MeterSample:
    """One sampled value as the station sent it; energy is never a float.

    ``value`` is the number as sent (1.6 sends strings, 2.0.1 numbers); ``unit`` and
    ``multiplier`` say how to read it (2.0.1 unitOfMeasure; 1.6 unit, multiplier 0).
    ``signed_data`` keeps a signed record (OCMF, ...) verbatim.
    """

    sampled_at: datetime
    measurand: str
    value: Decimal | None
    unit: str | None = None
    multiplier: int = 0
    phase: str | None = None
    context: str | None = None
    location: str | None = None
    signed_data: str | None = None
    signing_method: str | None = None
    encoding_method: str | None = None
    public_key: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    session_id: UUID
    station_id: str
    evse_id: int
    connector_id: int
    transaction_id: str
    ocpp_version: str
    id_token: str | None
    token_kind: TokenKind | None
    authorization_status: TokenStatus | None
    started_at: datetime
    stopped_at: datetime | None
    meter_start_wh: Decimal | None
    meter_stop_wh: Decimal | None
    energy_wh: Decimal | None
    stop_reason: str | None
    state: SessionState
    offline: bool = False
    last_seq_no: int | None = None
    samples: tuple[MeterSample, ...] = field(default=())
    visitor_id: UUID | None = None
    remote_start_id: int | None = None
    flag: str | None = None


@dataclass(frozen=True, slots=True)
class StationEvent:
    """Something a station reported that is kept for the operator (NotifyEvent, ...)."""

    station_id: str
    kind: str
    occurred_at: datetime | None
    payload: dict[str, Any]


class StatementStatus(enum.StrEnum):
    ISSUED = "issued"
    UNPRICED = "unpriced"
    NEEDS_REVIEW = "needs_review"  # the billing meter's signed data did not verify


StatementLine = Line  # a statement line is exactly what the engine priced


@dataclass(frozen=True, slots=True)
class Statement:
    """A session's bill; immutable. ``corrects`` names the statement a correction replaces."""

    statement_id: UUID
    session_id: UUID
    status: StatementStatus
    tariff_id: str | None
    tariff_version: str | None
    currency: str
    lines: tuple[StatementLine, ...]
    total: Decimal | None
    tax_included: Decimal | None
    tax_rate_percent: Decimal | None
    waiver: str | None
    unpriced_reason: str | None
    inputs: dict[str, Any]
    corrects: UUID | None = None
    correction_reason: str | None = None
    issued_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Stand:
    """A public stand id (seed 000 SID) for one EVSE of a station."""

    stand_id: str
    station_id: str
    evse_id: int
    label: str | None = None
    uses_passwords: bool = False


@dataclass(frozen=True, slots=True)
class Visitor:
    """A per-use registration: name, e-mail and a payment reference, never a card number."""

    visitor_id: UUID
    stand_id: str
    name: str
    email: str
    payment_reference: str
    notify: bool
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class MeterRecord:
    """A registered billing meter (specified metering: maker, model, serial, year, class)."""

    serial: str
    maker: str
    model: str
    year: int | None
    accuracy_class: str | None
    public_key: str | None
    station_id: str | None
    evse_id: int | None
    site: str | None = None
    location_note: str | None = None
    signs_ocmf: bool = True
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def identity(self) -> dict[str, Any]:
        """What a statement prints about the meter (seed 003: 製造番号, 製造年; 004 別紙2)."""
        return {
            "maker": self.maker,
            "model": self.model,
            "serial": self.serial,
            "year": self.year,
            "accuracy_class": self.accuracy_class,
        }


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A signed meter record as received, verbatim, with its extracted OCMF text."""

    record_id: int | None
    session_id: UUID | None
    station_id: str
    transaction_id: str | None
    carrier: str
    raw: str
    ocmf: str | None
    public_key: str | None
    parse_error: str | None
    received_at: datetime | None = None
