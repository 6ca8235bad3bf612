"""App starts (seed 002 第18条) waiting for the station's transaction to claim them."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from csms.storage.base import Repository

INSERT_REMOTE_START: Final = """
INSERT INTO remote_starts (station_id, evse_id, id_token, account_id, requested_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING remote_start_id"""
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

    async def claim(
        self,
        station_id: str,
        id_token: str,
        remote_start_id: int | None,
        since: datetime,
        session_id: UUID,
    ) -> int | None:
        value: int | None = await self._conn.fetchval(
            CLAIM_REMOTE_START, station_id, id_token, remote_start_id, since, session_id
        )
        return value

    async def add(
        self,
        station_id: str,
        evse_id: int,
        id_token: str,
        account_id: str | None,
        requested_at: datetime,
    ) -> int:
        value: int = await self._conn.fetchval(
            INSERT_REMOTE_START, station_id, evse_id, id_token, account_id, requested_at
        )
        return value
