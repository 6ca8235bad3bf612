"""API keys, member app-token digests and the audit log in memory."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from csms.access.models import ApiKey, AuditEntry
from tests.fakes.store import Transaction


class FakeApiKeyRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def add(self, key: ApiKey, secret_digest: str) -> bool:
        if key.name in self._store.api_keys:
            return False
        self._tx.require(self._store.operators, key.operator_id, "operator")
        self._tx.put(self._store.api_keys, key.name, (key, secret_digest))
        return True

    async def by_digest(self, secret_digest: str) -> ApiKey | None:
        for key, stored in self._store.api_keys.values():
            if stored == secret_digest and key.revoked_at is None:
                return key
        return None

    async def all(self) -> list[ApiKey]:
        return [key for _, (key, _) in sorted(self._store.api_keys.items())]

    async def revoke(self, name: str, at: datetime) -> bool:
        found = self._store.api_keys.get(name)
        if found is None or found[0].revoked_at is not None:
            return False
        self._tx.put(
            self._store.api_keys, name, (dataclasses.replace(found[0], revoked_at=at), found[1])
        )
        return True


class FakeAppTokenRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def set_digest(
        self, account_id: str, secret_digest: str, operator_id: str | None
    ) -> bool:
        account = self._store.accounts.get(account_id)
        if account is None or operator_id not in (None, account.operator_id):
            return False
        self._tx.put(self._store.app_token_digests, account_id, secret_digest)
        return True

    async def account_of(self, secret_digest: str) -> tuple[str, str] | None:
        for account_id, stored in self._store.app_token_digests.items():
            if stored == secret_digest:
                return account_id, self._store.accounts[account_id].operator_id
        return None


class FakeAuditRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def add(self, entry: AuditEntry) -> None:
        audit_id = self._store.next_id("audit_log")
        self._tx.put(self._store.audit, audit_id, dataclasses.replace(entry, audit_id=audit_id))

    async def find(
        self,
        operator_id: str | None,
        station_id: str | None,
        since: datetime | None,
        limit: int,
    ) -> list[AuditEntry]:
        rows = [
            entry
            for entry in self._store.audit.values()
            if operator_id in (None, entry.operator_id)
            and station_id in (None, entry.station_id)
            and (since is None or entry.at >= since)
        ]
        rows.sort(key=lambda entry: (entry.at, entry.audit_id or 0), reverse=True)
        return rows[:limit]
