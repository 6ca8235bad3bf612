"""App starts (seed 002 第18条) waiting for the station's transaction to claim them."""

from __future__ import annotations

from typing import Final

from csms.charging.ports import RemoteStartClaim, RemoteStartRequest
from csms.storage.base import Fields, Repository

REQUEST: Final = Fields(
    RemoteStartRequest, "station_id, evse_id, id_token, account_id, requested_at"
)
# The parameters $1 to $5 of CLAIM_REMOTE_START, in order.
CLAIM: Final = Fields(RemoteStartClaim, "station_id, id_token, remote_start_id, since, session_id")

INSERT_REMOTE_START: Final = f"""
INSERT INTO remote_starts ({REQUEST.sql})
VALUES ($1, $2, $3, $4, $5)
RETURNING remote_start_id"""  # noqa: S608 (a constant column list)
CLAIM_REMOTE_START: Final = """
UPDATE remote_starts
SET session_id = $5
WHERE remote_start_id = (SELECT remote_start_id
                         FROM remote_starts
                         WHERE station_id = $1 AND session_id IS NULL
                           AND (remote_start_id = $3 OR ($3::integer IS NULL AND id_token = $2
                                                        AND requested_at >= $4))
                         ORDER BY requested_at DESC
                         LIMIT 1)
RETURNING remote_start_id"""


class PostgresRemoteStartRepository(Repository):
    __slots__ = ()

    async def claim(self, claim: RemoteStartClaim) -> int | None:
        value: int | None = await self._conn.fetchval(CLAIM_REMOTE_START, *CLAIM.values(claim))
        return value

    async def add(self, request: RemoteStartRequest) -> int:
        value: int = await self._conn.fetchval(INSERT_REMOTE_START, *REQUEST.values(request))
        return value
