"""csms.authorization.models"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from csms.records import frozen


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
    CLOSED = "closed"  # the member left (seed 002 第7条 退会)


@frozen
class IdToken:
    """A presented token: ``value`` normalised for matching (``authorization.normalise_token``),
    ``sent`` exactly as the station sent it (what a session keeps; "" when not known)."""

    value: str
    kind: TokenKind = TokenKind.UNKNOWN
    sent: str = ""

    @property
    def as_sent(self) -> str:
        """The token as the station sent it (its normal form when that is not known)."""
        return self.sent or self.value


@frozen
class AuthorizationResult:
    status: TokenStatus
    expires_at: datetime | None = None
    group_id: str | None = None
    visitor_id: UUID | None = None  # accepted as a visitor's card touch or password

    @property
    def accepted(self) -> bool:
        return self.status is TokenStatus.ACCEPTED


@frozen
class TokenRecord:
    id_token: str
    kind: TokenKind
    status: TokenStatus
    expires_at: datetime | None
    group_id: str | None
    created_at: datetime | None = None
    operator_id: str | None = None
    account_id: str | None = None


@frozen
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


@frozen
class Stand:
    """A public stand id (seed 000 SID) for one EVSE of a station."""

    stand_id: str
    station_id: str
    evse_id: int
    label: str | None = None
    uses_passwords: bool = False


@frozen
class Visitor:
    """A per-use registration: name, e-mail and a payment reference, never a card number."""

    visitor_id: UUID
    stand_id: str
    name: str
    email: str
    payment_reference: str
    notify: bool
    registered_at: datetime
