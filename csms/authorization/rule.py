"""Who may charge: one rule for every protocol version (1.6 §5.2 Authorize, 2.0.1 C01).

Both adapters call :func:`authorize` for Authorize and for transaction starts; nothing else
decides. In order:

1. **visitor card touch** (seed 000): a registration opens a 60-second window on a stand;
   the first token presented there inside the window, any FeliCa card, is accepted and
   bound to that visitor (never charged, never a member card); the same token starting the
   session at that station shortly after is accepted as that visit;
2. **visitor one-time password** (seed 004 第6-7条): a code issued at registration,
   entered on the keypad (2.0.1 KeyCode, 1.6 idTag), authorizes one session, until it
   expires;
3. **member card or app account**, per operator: :func:`decide`.

Tokens are compared in one normal form (upper case; a hex card id also without separators),
so a 1.6 idTag matches case-insensitively and a FeliCa IDm read as ``01:2e:...`` or
``012E...`` is the same card, while ``CERT-TAG-1`` stays ``CERT-TAG-1``. Sessions keep the
token as the station sent it (``IdToken.sent``). The token type never decides acceptance
on its own (chargers send FeliCa ids as ISO14443); a 2.0.1 ``NoAuthorization`` token is
looked up like any other, so free charging is an operator's explicit choice (register the
station's token), never a loophole.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal
from uuid import UUID

from csms.authorization.models import (
    AccountRecord,
    AccountStatus,
    AuthorizationResult,
    IdToken,
    TokenKind,
    TokenRecord,
    TokenStatus,
)
from csms.authorization.ports import AuthorizationUnitOfWork, MemberView
from csms.clock import Clock

_SEPARATORS: Final = re.compile(r"[\s:\-]")
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
BOUND_TOKEN_GRACE: Final = timedelta(minutes=15)
Purpose = Literal["authorize", "start", "member"]


def normalise_token(value: str) -> str:
    """The one normal form of a token value: upper case; separators dropped only from a hex
    card id (a FeliCa IDm, an ISO 14443 UID), where they are only how a reader prints it.

    Example: ``normalise_token("01:2e:3f:4a:5b:6c:7d:8e")`` gives ``"012E3F4A5B6C7D8E"``;
    ``normalise_token("cert-tag-1")`` gives ``"CERT-TAG-1"``.
    """
    compact = _SEPARATORS.sub("", value)
    if compact != value and _HEX.fullmatch(compact):
        return compact.upper()
    return value.upper()


def make_token(value: str, kind: TokenKind = TokenKind.UNKNOWN) -> IdToken:
    """A presented token: its normal form for matching and the value exactly as sent."""
    return IdToken(normalise_token(value), kind, value)


def password_hash(code: str) -> str:
    """How one-time passwords are stored (a digest; the code itself is never kept)."""
    return hashlib.sha256(normalise_token(code).encode()).hexdigest()


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


# A plain frozen dataclass, not ``records.frozen``: linters then know the default
# ``AuthorizationPolicy()`` arguments below to be immutable.
@dataclass(frozen=True, slots=True)
class AuthorizationPolicy:
    """Operator settings of the rule. ``inactive_after_months``: seed 002 (4 months)."""

    inactive_after_months: int = 4


def decide(
    record: TokenRecord | None,
    token: IdToken,
    now: datetime,
    *,
    account: AccountRecord | None = None,
    station_operator: str | None = None,
    policy: AuthorizationPolicy = AuthorizationPolicy(),
) -> AuthorizationResult:
    """The member rule.

    * unknown token: ``Invalid``;
    * the card's own status (``Blocked``/``Expired``) or expiry;
    * a card of another operator than the station's: ``NotAtThisLocation`` (1.6: Invalid);
    * the account's status, expiry, or no use for ``inactive_after_months``: ``Blocked`` or
      ``Expired`` (an inactive account is deactivated);
    * else ``Accepted`` with the expiry and group (1.6 parentIdTag, 2.0.1 groupIdToken).
    """
    if record is None:
        return AuthorizationResult(TokenStatus.INVALID)
    group = (account.group_id if account else None) or record.group_id
    expires = record.expires_at
    if record.status is not TokenStatus.ACCEPTED:
        return AuthorizationResult(record.status, expires, group)
    if expires is not None and expires <= now:
        return AuthorizationResult(TokenStatus.EXPIRED, expires, group)
    if station_operator and record.operator_id and record.operator_id != station_operator:
        return AuthorizationResult(TokenStatus.NOT_AT_THIS_LOCATION, expires, group)
    if account is not None:
        verdict = account_verdict(account, now, policy)
        if verdict is not None:
            return AuthorizationResult(verdict, expires, group)
    return AuthorizationResult(TokenStatus.ACCEPTED, expires, group)


def inactive(account: AccountRecord, now: datetime, policy: AuthorizationPolicy) -> bool:
    """Unused for ``inactive_after_months`` since its last use (or creation): seed 002."""
    last_use = account.last_used_at or account.created_at
    return last_use is not None and add_months(last_use, policy.inactive_after_months) <= now


def account_verdict(
    account: AccountRecord, now: datetime, policy: AuthorizationPolicy
) -> TokenStatus | None:
    """Why an account may not charge, or None."""
    if account.status is AccountStatus.BLOCKED:
        return TokenStatus.BLOCKED
    if account.status in (AccountStatus.EXPIRED, AccountStatus.DEACTIVATED, AccountStatus.CLOSED):
        return TokenStatus.EXPIRED
    if account.expires_at is not None and account.expires_at <= now:
        return TokenStatus.EXPIRED
    if inactive(account, now, policy):
        return TokenStatus.EXPIRED
    return None


async def authorize(
    uow: AuthorizationUnitOfWork,
    station_id: str,
    evse_id: int | None,
    token: IdToken,
    now: datetime,
    *,
    purpose: Purpose,
    policy: AuthorizationPolicy = AuthorizationPolicy(),
) -> AuthorizationResult:
    """The one authorization of every Authorize, transaction start and stop, 1.6 and 2.0.1.

    ``purpose``: ``authorize`` (Authorize), ``start`` (a transaction start: consumes a
    one-time password) or ``member`` (stop tokens, app starts: never opens a visit).
    """
    view = await uow.tokens.member_view(token.value, station_id, now, now - BOUND_TOKEN_GRACE)
    if view.visits_possible:
        visit = await _visit(uow, station_id, evse_id, token, now, purpose)
        if visit is not None:
            return AuthorizationResult(TokenStatus.ACCEPTED, visitor_id=visit)
    return await _as_member(uow, view, token, now, policy)


async def authorize_member_start(
    uow: AuthorizationUnitOfWork,
    station_id: str,
    token: IdToken,
    now: datetime,
    *,
    policy: AuthorizationPolicy = AuthorizationPolicy(),
) -> AuthorizationResult | None:
    """A transaction start's authorization where only the member rule can apply, decided
    before the start's own write (the group commit of starts, ``charging.plain_starts``):
    None where a visit could apply (the start then takes the full path, where
    :func:`authorize` may open or consume one in the start's transaction)."""
    view = await uow.tokens.member_view(token.value, station_id, now, now - BOUND_TOKEN_GRACE)
    if view.visits_possible:
        return None
    return await _as_member(uow, view, token, now, policy)


async def _as_member(
    uow: AuthorizationUnitOfWork,
    view: MemberView,
    token: IdToken,
    now: datetime,
    policy: AuthorizationPolicy,
) -> AuthorizationResult:
    """The member rule on the token's view; an accepted account is touched (last use), an
    inactive one deactivated."""
    account = view.account
    result = decide(
        view.token,
        token,
        now,
        account=account,
        station_operator=view.station_operator,
        policy=policy,
    )
    if account is not None:
        if result.accepted:
            await uow.accounts.touch(account.account_id, now)
        elif account.status is AccountStatus.VALID and inactive(account, now, policy):
            await uow.accounts.deactivate(account.account_id)
    return result


class Authorizer:
    """:func:`authorize` as the use cases hold it: at the clock's time, under the policy."""

    def __init__(self, clock: Clock, policy: AuthorizationPolicy | None = None) -> None:
        self._clock = clock
        self._policy = policy or AuthorizationPolicy()

    async def __call__(
        self,
        uow: AuthorizationUnitOfWork,
        station_id: str,
        evse_id: int | None,
        token: IdToken,
        purpose: Purpose,
    ) -> AuthorizationResult:
        """The one rule for this token now (see :func:`authorize` for ``purpose``)."""
        now = self._clock.now()
        return await authorize(
            uow, station_id, evse_id, token, now, purpose=purpose, policy=self._policy
        )

    async def member_start(
        self, uow: AuthorizationUnitOfWork, station_id: str, token: IdToken
    ) -> AuthorizationResult | None:
        """:func:`authorize_member_start` at the clock's time, under the policy."""
        now = self._clock.now()
        return await authorize_member_start(uow, station_id, token, now, policy=self._policy)


async def _visit(
    uow: AuthorizationUnitOfWork,
    station_id: str,
    evse_id: int | None,
    token: IdToken,
    now: datetime,
    purpose: Purpose,
) -> UUID | None:
    """The visit this token belongs to: bound earlier, touched now, or a password."""
    visit = await uow.visitors.bound_window(station_id, token.value, now - BOUND_TOKEN_GRACE)
    if visit is not None or purpose == "member":
        return visit
    visit = await uow.visitors.touch_open_window(station_id, evse_id, token.value, now)
    if visit is not None:
        return visit
    return await uow.visitor_passwords.use(
        station_id, password_hash(token.value), now, consume=purpose == "start"
    )


def mask_token(id_token: str) -> str:
    """A log-safe stand-in for an id token: last 4 characters and a short hash.

    Example: ``mask_token("0123456789ABCDEF")`` gives ``"…CDEF#5f3c1a"`` style output,
    enough to correlate lines without revealing the card's IDm.
    """
    digest = hashlib.sha256(id_token.encode()).hexdigest()[:6]
    return f"…{id_token[-4:]}#{digest}"


_APP_TAG_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I


def new_app_id_tag() -> str:
    """The id tag a member's app starts send to the station: ``APP`` and 17 random characters.

    It fits 1.6's CiString20 idTag, carries 85 random bits and is not the account id, so
    knowing an account id never lets anyone charge on it.
    """
    return "APP" + "".join(secrets.choice(_APP_TAG_ALPHABET) for _ in range(17))
