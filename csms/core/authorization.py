"""Who may charge: one rule for every protocol version (1.6 §5.2 Authorize, 2.0.1 C01).

Tokens are compared in one normal form: upper case, no separators, so that a 1.6
idTag matches case-insensitively and a FeliCa IDm read as ``01:2e:...`` or
``012E...`` is the same card. The token type never decides acceptance on its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from csms.core.models import AuthorizationResult, IdToken, TokenKind, TokenRecord, TokenStatus
from csms.core.ports import TokenRepository

_SEPARATORS: Final = re.compile(r"[\s:\-]")


def normalise_token(value: str) -> str:
    """The one normal form of a token value.

    Example: ``normalise_token("01:2e:3f:4a:5b:6c:7d:8e")`` gives ``"012E3F4A5B6C7D8E"``.
    """
    return _SEPARATORS.sub("", value).upper()


def make_token(value: str, kind: TokenKind = TokenKind.UNKNOWN) -> IdToken:
    return IdToken(normalise_token(value), kind)


def decide(record: TokenRecord | None, token: IdToken, now: datetime) -> AuthorizationResult:
    """The authorization rule.

    * 2.0.1 ``NoAuthorization`` needs no token: accepted;
    * unknown token: ``Invalid``;
    * stored ``Blocked`` or ``Expired``: that status;
    * stored expiry in the past: ``Expired``;
    * else ``Accepted`` with the expiry and group (1.6 parentIdTag, 2.0.1 groupIdToken).
    """
    if token.kind is TokenKind.NO_AUTHORIZATION:
        return AuthorizationResult(TokenStatus.ACCEPTED)
    if record is None:
        return AuthorizationResult(TokenStatus.INVALID)
    if record.status is not TokenStatus.ACCEPTED:
        return AuthorizationResult(record.status, record.expires_at, record.group_id)
    if record.expires_at is not None and record.expires_at <= now:
        return AuthorizationResult(TokenStatus.EXPIRED, record.expires_at, record.group_id)
    return AuthorizationResult(TokenStatus.ACCEPTED, record.expires_at, record.group_id)


async def authorize(tokens: TokenRepository, token: IdToken, now: datetime) -> AuthorizationResult:
    """Look the token up and apply :func:`decide`."""
    if token.kind is TokenKind.NO_AUTHORIZATION:
        return decide(None, token, now)
    return decide(await tokens.get(token.value), token, now)
