"""Ports of access: stored API keys, member app tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from csms.access.models import ApiKey, AuditEntry
from csms.station_commands.ports import LocalListRepository, StationListRepository


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey, secret_digest: str) -> bool: ...  # False: name taken
    async def by_digest(self, secret_digest: str) -> ApiKey | None: ...  # not revoked ones
    async def all(self) -> list[ApiKey]: ...
    async def revoke(self, name: str, at: datetime) -> bool: ...


class AppTokenRepository(Protocol):
    """A member account's app token digest, on the account."""

    async def set_digest(
        self, account_id: str, secret_digest: str, operator_id: str | None
    ) -> bool: ...  # False: no such account (of that operator)
    async def account_of(self, secret_digest: str) -> tuple[str, str] | None: ...  # id, operator


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def find(
        self,
        operator_id: str | None,
        station_id: str | None,
        since: datetime | None,
        limit: int,
    ) -> list[AuditEntry]: ...


class AccessUnitOfWork(Protocol):
    api_keys: ApiKeyRepository
    app_tokens: AppTokenRepository
    audit: AuditRepository
    local_lists: LocalListRepository  # whether an operator exists
    station_lists: StationListRepository  # the operator that owns a station
