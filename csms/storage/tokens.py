"""Cards (id tokens), and the one-round-trip view the authorization rule reads."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from csms.authorization.models import TokenKind, TokenRecord, TokenStatus
from csms.authorization.ports import MemberView
from csms.storage.accounts import ACCOUNT
from csms.storage.base import Columns, Fields, KeyedRepository, Query
from csms.storage.visitors import VISITS_POSSIBLE

TOKEN: Final = Columns(
    TokenRecord,
    "id_token, kind, status, expires_at, group_id, created_at, operator_id, account_id",
    kind=TokenKind,
    status=TokenStatus,
)

SELECT_TOKEN: Final = Query(TOKEN, "FROM id_tokens", "WHERE id_token = $1")
# What an upsert writes (``created_at`` is the first insert's).
UPSERTED_TOKEN: Final = Fields(
    TokenRecord, "id_token, kind, status, expires_at, group_id, operator_id, account_id"
)
UPSERT_TOKEN: Final = f"""
INSERT INTO id_tokens ({UPSERTED_TOKEN.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id_token) DO UPDATE
SET kind = excluded.kind, status = excluded.status, expires_at = excluded.expires_at,
    group_id = excluded.group_id, operator_id = excluded.operator_id,
    account_id = excluded.account_id, updated_at = now()"""  # noqa: S608 (a constant column list)
SELECT_APP_TAG: Final = """
SELECT id_token
FROM id_tokens
WHERE account_id = $1 AND kind = 'Central'
ORDER BY created_at
LIMIT 1"""
_ACCOUNT_PREFIX: Final = "a_"
_ACCOUNT_OF_CARD: Final = ACCOUNT.mapper(_ACCOUNT_PREFIX)
# The card, its account, the station's operator and whether a visit could apply; one row
# even when the card is unknown.
SELECT_MEMBER_VIEW: Final = f"""
SELECT {TOKEN.select("t")},
       {ACCOUNT.select("a", _ACCOUNT_PREFIX)},
       (SELECT operator_id FROM stations WHERE station_id = $2) AS station_operator,
       {VISITS_POSSIBLE} AS visits_possible
FROM (SELECT 1) AS one
LEFT JOIN id_tokens AS t ON t.id_token = $1
LEFT JOIN accounts AS a ON a.account_id = t.account_id"""  # noqa: S608 (constant column lists)


class PostgresTokenRepository(KeyedRepository[TokenRecord]):
    __slots__ = ()
    by_key = SELECT_TOKEN

    async def upsert(self, record: TokenRecord) -> None:
        await self._conn.execute(UPSERT_TOKEN, *UPSERTED_TOKEN.values(record))

    async def app_tag_of(self, account_id: str) -> str | None:
        """The id tag the account's app starts send (its Central token)."""
        found: str | None = await self._conn.fetchval(SELECT_APP_TAG, account_id)
        return found

    async def member_view(
        self, id_token: str, station_id: str, now: datetime, since: datetime
    ) -> MemberView:
        """Card, account, station operator and possible visits in one round trip."""
        row = await self._conn.fetchrow(SELECT_MEMBER_VIEW, id_token, station_id, now, since)
        token = TOKEN(row) if row["id_token"] is not None else None
        account = None
        if row[_ACCOUNT_PREFIX + "account_id"] is not None:
            account = _ACCOUNT_OF_CARD(row)
        return MemberView(token, account, row["station_operator"], row["visits_possible"])
