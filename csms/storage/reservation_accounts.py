"""What reservations read and write of member accounts: the card a station will see, the
offences that suspend the reservation function and the suspension itself (seed 002 第11条)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from csms.reservations.ports import MemberCard
from csms.storage.base import Repository

# A card first (ISO 14443, FeliCa, ...), else the account's app token (Central).
SELECT_CARD: Final = """
SELECT id_token, kind FROM id_tokens
WHERE account_id = $1 AND status = 'Accepted'
ORDER BY (kind = 'Central'), created_at, id_token
LIMIT 1"""
# No-shows (late cancellations included) and the member's own cancellations (第11条:
# 予約のキャンセルや変更、又は無断キャンセルが複数回), since $2 and since the last lift.
COUNT_OFFENCES: Final = """
SELECT count(*) FROM reservations r
WHERE r.account_id = $1 AND r.ended_at >= $2
  AND (r.status = 'no_show' OR (r.status = 'cancelled' AND r.cancelled_by = 'member'))
  AND r.ended_at > coalesce(
      (SELECT reservations_lifted_at FROM accounts WHERE account_id = $1), '-infinity')"""
SUSPEND: Final = """
UPDATE accounts SET reservations_suspended_at = $2, reservations_suspended_reason = $3
WHERE account_id = $1 AND reservations_suspended_at IS NULL"""
LIFT: Final = """
UPDATE accounts SET reservations_suspended_at = NULL, reservations_suspended_reason = NULL,
    reservations_lifted_at = $2
WHERE account_id = $1 AND reservations_suspended_at IS NOT NULL
RETURNING account_id"""


OPEN_COMMITMENTS: Final = r"""
SELECT
  (SELECT count(*) FROM reservations
   WHERE account_id = $1 AND ended_at IS NULL AND status IN ('scheduled', 'active', 'used'))
  AS reservations,
  (SELECT count(*) FROM sessions s
   LEFT JOIN LATERAL (
       SELECT st.status FROM statements st WHERE st.session_id = s.session_id
       ORDER BY st.issued_at DESC LIMIT 1) last ON true
   WHERE (s.state = 'active' OR last.status = 'needs_review')
     AND normal_token(s.id_token) IN (
         SELECT id_token FROM id_tokens WHERE account_id = $1))
  AS unsettled"""


class PostgresReservationAccounts(Repository):
    __slots__ = ()

    async def operator_of_account(self, account_id: str) -> str | None:
        found: str | None = await self._conn.fetchval(
            "SELECT operator_id FROM accounts WHERE account_id = $1", account_id
        )
        return found

    async def station_operator(self, station_id: str) -> tuple[bool, str | None]:
        """Whether the station is known, and its operator (None: none yet)."""
        row = await self._conn.fetchrow(
            "SELECT operator_id FROM stations WHERE station_id = $1", station_id
        )
        return (row is not None, row["operator_id"] if row is not None else None)

    async def account_status(self, account_id: str) -> str | None:
        found: str | None = await self._conn.fetchval(
            "SELECT status FROM accounts WHERE account_id = $1", account_id
        )
        return found

    async def app_tag_of(self, account_id: str) -> str | None:
        """The account's app token (its Central id tag): what its app starts present."""
        found: str | None = await self._conn.fetchval(
            "SELECT id_token FROM id_tokens WHERE account_id = $1 AND kind = 'Central'"
            " ORDER BY created_at LIMIT 1",
            account_id,
        )
        return found

    async def token_owner(self, id_token: str) -> str | None:
        """The account a card (in its normal form) belongs to."""
        found: str | None = await self._conn.fetchval(
            "SELECT account_id FROM id_tokens WHERE id_token = $1", id_token
        )
        return found

    async def email_of(self, account_id: str) -> str | None:
        found: str | None = await self._conn.fetchval(
            "SELECT email FROM accounts WHERE account_id = $1", account_id
        )
        return found

    async def card_of(self, account_id: str) -> MemberCard | None:
        row = await self._conn.fetchrow(SELECT_CARD, account_id)
        kind = row["kind"] if row is not None and row["kind"] != "Unknown" else "ISO14443"
        return MemberCard(row["id_token"], kind) if row is not None else None

    async def offences(self, account_id: str, since: datetime) -> int:
        return int(await self._conn.fetchval(COUNT_OFFENCES, account_id, since))

    async def suspended_since(self, account_id: str) -> datetime | None:
        found: datetime | None = await self._conn.fetchval(
            "SELECT reservations_suspended_at FROM accounts WHERE account_id = $1", account_id
        )
        return found

    async def suspend(self, account_id: str, at: datetime, reason: str) -> None:
        await self._conn.execute(SUSPEND, account_id, at, reason)

    async def open_commitments(self, account_id: str) -> tuple[int, int]:
        """Live reservations, and sessions of its tokens not settled: still charging, or
        their statement held for review (第7条)."""
        row = await self._conn.fetchrow(OPEN_COMMITMENTS, account_id)
        return int(row["reservations"]), int(row["unsettled"])

    async def lift(self, account_id: str, at: datetime) -> bool:
        return await self._conn.fetchval(LIFT, account_id, at) is not None
