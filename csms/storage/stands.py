"""Stands: a public id for one EVSE of one station (seed 000 SID)."""

from __future__ import annotations

from typing import Final

from csms.authorization.models import Stand
from csms.storage.base import Columns, KeyedRepository, Query

STAND: Final = Columns(Stand, "stand_id, station_id, evse_id, label, uses_passwords")

SELECT_STAND: Final = Query(STAND, "FROM stands", "WHERE stand_id = $1")
UPSERT_STAND: Final = f"""
INSERT INTO stands ({STAND.sql})
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (stand_id) DO UPDATE
SET station_id = excluded.station_id, evse_id = excluded.evse_id, label = excluded.label,
    uses_passwords = excluded.uses_passwords"""  # noqa: S608 (a constant column list)


class PostgresStandRepository(KeyedRepository[Stand]):
    __slots__ = ()
    by_key = SELECT_STAND

    async def add(self, stand: Stand) -> None:
        await self._conn.execute(UPSERT_STAND, *STAND.values(stand))
