"""API keys, member app tokens and the audit log: create, authenticate, revoke, record.

A revoked key is refused from the next request on: every request looks its key up.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Final

from csms.access.models import ApiKey, AuditEntry, Principal, Role
from csms.access.ports import AccessUnitOfWork
from csms.access.secrets import API_KEY_PREFIX, APP_TOKEN_PREFIX, digest, new_secret
from csms.clock import Clock
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider

_KEY_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
KEY_ROLES: Final = (Role.ADMIN, Role.OPERATOR, Role.VIEWER)
MAX_AUDIT_ROWS: Final = 1000


class AccessService:
    def __init__(self, uow: UnitOfWorkProvider[AccessUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def create_key(self, name: str, role: Role, operator_id: str | None = None) -> str:
        """Store a new key's digest; the secret is returned once and never stored.

        An operator key needs its operator; an admin key has none (it sees every operator);
        a viewer key without one reads every operator's data.
        """
        if not _KEY_NAME.match(name):
            raise InvalidInput("a key name has 1-64 letters, digits and . _ @ -")
        if role not in KEY_ROLES:
            raise InvalidInput("a key's role is admin, operator or viewer")
        if role is Role.OPERATOR and operator_id is None:
            raise InvalidInput("an operator key needs --operator OPERATOR_ID")
        if role is Role.ADMIN and operator_id is not None:
            raise InvalidInput("an admin key belongs to no operator")
        secret = new_secret(API_KEY_PREFIX)
        key = ApiKey(name, role, operator_id, self._clock.now())
        async with self._uow() as uow:
            if operator_id is not None and await uow.local_lists.version(operator_id) is None:
                raise NotFound(f"no operator {operator_id!r}")
            if not await uow.api_keys.add(key, digest(secret)):
                raise Conflict(f"a key named {name!r} exists already")
        return secret

    async def keys(self) -> list[ApiKey]:
        async with self._uow(atomic=False) as uow:
            return await uow.api_keys.all()

    async def revoke_key(self, name: str) -> None:
        async with self._uow(atomic=False) as uow:
            if not await uow.api_keys.revoke(name, self._clock.now()):
                raise NotFound(f"no active key named {name!r}")

    async def authenticate(self, secret: str) -> Principal | None:
        """The caller a bearer secret stands for, or None (unknown, revoked, malformed)."""
        if not secret.startswith((API_KEY_PREFIX, APP_TOKEN_PREFIX)) or len(secret) > 200:
            return None
        async with self._uow(atomic=False) as uow:
            if secret.startswith(API_KEY_PREFIX):
                key = await uow.api_keys.by_digest(digest(secret))
                return key.principal() if key else None
            member = await uow.app_tokens.account_of(digest(secret))
        if member is None:
            return None
        account_id, operator_id = member
        return Principal(f"account:{account_id}", Role.MEMBER, operator_id, account_id)

    async def issue_app_token(self, account_id: str, *, scope: str | None = None) -> str:
        """A new app token for the account (the previous one stops working at once)."""
        secret = new_secret(APP_TOKEN_PREFIX)
        async with self._uow(atomic=False) as uow:
            if not await uow.app_tokens.set_digest(account_id, digest(secret), scope):
                raise NotFound(f"no account {account_id!r}")
        return secret

    async def record(self, entry: AuditEntry) -> None:
        """Store an audit row; a command's row names the operator that owns its station."""
        async with self._uow(atomic=False) as uow:
            if entry.operator_id is None and entry.station_id is not None:
                owner = await uow.station_lists.operator_of(entry.station_id)
                entry = dataclasses.replace(entry, operator_id=owner)
            await uow.audit.add(entry)

    async def audit(
        self, scope: str | None, station_id: str | None, since: datetime | None, limit: int
    ) -> list[AuditEntry]:
        """The newest audit rows first; an operator sees only its own."""
        async with self._uow(atomic=False) as uow:
            return await uow.audit.find(scope, station_id, since, min(limit, MAX_AUDIT_ROWS))
