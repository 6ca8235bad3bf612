"""App starts (seed 002 第18条) waiting for the station's transaction to claim them."""

from __future__ import annotations

from typing import Final

from csms.charging.ports import RemoteStartClaim, RemoteStartRequest
from csms.storage.base import Fields, Repository

REQUEST: Final = Fields(
    RemoteStartRequest, "station_id, evse_id, id_token, account_id, requested_at"
)
# The parameters of claim_remote_start(first), from $first on, in order.
CLAIM: Final = Fields(RemoteStartClaim, "station_id, id_token, remote_start_id, since, session_id")

INSERT_REMOTE_START: Final = f"""
INSERT INTO remote_starts ({REQUEST.sql})
VALUES ($1, $2, $3, $4, $5)
RETURNING remote_start_id"""  # noqa: S608 (a constant column list)


def waiting_start(station: str, token: str, named: str, since: str, table: str = "") -> str:
    """The condition on ``remote_starts`` (as ``table``) of an app start a new session
    claims: the one named, or without a name the card's unclaimed one since ``since``."""
    t = f"{table}." if table else ""
    return (
        f"{t}station_id = {station} AND {t}session_id IS NULL"
        f" AND ({t}remote_start_id = {named}"
        f" OR ({named}::integer IS NULL AND {t}id_token = {token}"
        f" AND {t}requested_at >= {since}))"
    )


def claim_remote_start(first: int) -> str:
    """The UPDATE that claims a waiting app start for a new session (a CTE of the session's
    insert, storage/sessions.py), its CLAIM parameters numbered from ``$first``."""
    station, token, named, since, session = (f"${first + i}" for i in range(5))
    return f"""
UPDATE remote_starts
SET session_id = {session}
WHERE remote_start_id = (SELECT remote_start_id
                         FROM remote_starts
                         WHERE {waiting_start(station, token, named, since)}
                         ORDER BY requested_at DESC
                         LIMIT 1)
RETURNING remote_start_id"""  # noqa: S608 (parameter numbers only)


class PostgresRemoteStartRepository(Repository):
    __slots__ = ()

    async def add(self, request: RemoteStartRequest) -> int:
        value: int = await self._conn.fetchval(INSERT_REMOTE_START, *REQUEST.values(request))
        return value
