"""What stations report for the operator (NotifyEvent, SecurityEventNotification, ...)."""

from __future__ import annotations

from typing import Final

from csms.stations.models import StationEvent
from csms.storage.base import Repository

INSERT_STATION_EVENT: Final = """
INSERT INTO station_events (station_id, kind, occurred_at, payload)
VALUES ($1, $2, $3, $4)"""


class PostgresStationEventRepository(Repository):
    __slots__ = ()

    async def add(self, event: StationEvent) -> None:
        await self._conn.execute(
            INSERT_STATION_EVENT, event.station_id, event.kind, event.occurred_at, event.payload
        )
