"""API keys, member app-token digests and the audit log (migration 009)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from csms.access.models import ApiKey, AuditEntry, Role
from csms.storage.base import Columns, Query, Repository

API_KEY: Final = Columns(ApiKey, "name, role, operator_id, created_at, revoked_at", role=Role)
AUDIT: Final = Columns(
    AuditEntry,
    "at, actor, role, action, target, station_id, operator_id, outcome, answer, error, audit_id",
    role=Role,
)

INSERT_KEY: Final = """
INSERT INTO api_keys (name, role, operator_id, created_at, secret_digest)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name) DO NOTHING
RETURNING name"""
SELECT_KEY_BY_DIGEST: Final = Query(
    API_KEY, "FROM api_keys", "WHERE secret_digest = $1 AND revoked_at IS NULL"
)
SELECT_KEYS: Final = Query(API_KEY, "FROM api_keys", "ORDER BY name")
REVOKE_KEY: Final = """
UPDATE api_keys
SET revoked_at = $2
WHERE name = $1 AND revoked_at IS NULL
RETURNING name"""
SET_APP_DIGEST: Final = """
UPDATE accounts
SET app_token_digest = $2
WHERE account_id = $1 AND ($3::text IS NULL OR operator_id = $3)
RETURNING account_id"""
SELECT_ACCOUNT_BY_DIGEST: Final = """
SELECT account_id, operator_id
FROM accounts
WHERE app_token_digest = $1"""
INSERT_AUDIT: Final = """
INSERT INTO audit_log (at, actor, role, action, target, station_id, operator_id, outcome,
                       answer, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"""
SELECT_AUDIT: Final = Query(
    AUDIT,
    "FROM audit_log",
    "WHERE ($1::text IS NULL OR operator_id = $1) AND ($2::text IS NULL OR station_id = $2)",
    "  AND ($3::timestamptz IS NULL OR at >= $3)",
    "ORDER BY at DESC, audit_id DESC",
    "LIMIT $4",
)


class PostgresApiKeyRepository(Repository):
    __slots__ = ()

    async def add(self, key: ApiKey, secret_digest: str) -> bool:
        return await self._inserted(
            INSERT_KEY, key.name, key.role.value, key.operator_id, key.created_at, secret_digest
        )

    async def by_digest(self, secret_digest: str) -> ApiKey | None:
        return await SELECT_KEY_BY_DIGEST.one(self._conn, secret_digest)

    async def all(self) -> list[ApiKey]:
        return await SELECT_KEYS.many(self._conn)

    async def revoke(self, name: str, at: datetime) -> bool:
        return await self._inserted(REVOKE_KEY, name, at)


class PostgresAppTokenRepository(Repository):
    __slots__ = ()

    async def set_digest(
        self, account_id: str, secret_digest: str, operator_id: str | None
    ) -> bool:
        return await self._inserted(SET_APP_DIGEST, account_id, secret_digest, operator_id)

    async def account_of(self, secret_digest: str) -> tuple[str, str] | None:
        row = await self._conn.fetchrow(SELECT_ACCOUNT_BY_DIGEST, secret_digest)
        return (row["account_id"], row["operator_id"]) if row else None


class PostgresAuditRepository(Repository):
    __slots__ = ()

    async def add(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            INSERT_AUDIT,
            entry.at,
            entry.actor,
            entry.role.value,
            entry.action,
            entry.target,
            entry.station_id,
            entry.operator_id,
            entry.outcome,
            entry.answer,
            entry.error,
        )

    async def find(
        self,
        operator_id: str | None,
        station_id: str | None,
        since: datetime | None,
        limit: int,
    ) -> list[AuditEntry]:
        return await SELECT_AUDIT.many(self._conn, operator_id, station_id, since, limit)
