"""Member accounts at an operator, and the operators themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from csms.authorization.models import AccountRecord, AccountStatus
from csms.storage.base import Columns, KeyedRepository, Query, set_column

ACCOUNT: Final = Columns(
    AccountRecord,
    "account_id, operator_id, name, email, status, expires_at, group_id, last_used_at, created_at",
    status=AccountStatus,
)

SELECT_ACCOUNT: Final = Query(ACCOUNT, "FROM accounts", "WHERE account_id = $1")
UPSERT_ACCOUNT: Final = f"""
INSERT INTO accounts ({ACCOUNT.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()))
ON CONFLICT (account_id) DO UPDATE
SET name = excluded.name, email = excluded.email, status = excluded.status,
    expires_at = excluded.expires_at, group_id = excluded.group_id"""  # noqa: S608 (a constant column list)
TOUCH_ACCOUNT: Final = set_column("accounts", "last_used_at", "account_id")
DEACTIVATE_ACCOUNT: Final = """
UPDATE accounts
SET status = 'deactivated'
WHERE account_id = $1 AND status = 'valid'"""
UPSERT_OPERATOR: Final = """
INSERT INTO operators (operator_id, name)
VALUES ($1, $2)
ON CONFLICT (operator_id) DO UPDATE SET name = excluded.name"""


class PostgresAccountRepository(KeyedRepository[AccountRecord]):
    __slots__ = ()
    by_key = SELECT_ACCOUNT

    async def upsert(self, account: AccountRecord) -> None:
        await self._conn.execute(UPSERT_ACCOUNT, *ACCOUNT.values(account))

    async def touch(self, account_id: str, at: datetime) -> None:
        await self._conn.execute(TOUCH_ACCOUNT, account_id, at)

    async def deactivate(self, account_id: str) -> None:
        await self._conn.execute(DEACTIVATE_ACCOUNT, account_id)

    async def add_operator(self, operator_id: str, name: str) -> None:
        await self._conn.execute(UPSERT_OPERATOR, operator_id, name)
