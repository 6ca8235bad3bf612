"""Connector status: the latest report per connector wins, older ones are ignored."""

from __future__ import annotations

from typing import Final

from csms.stations.models import ConnectorStatus
from csms.storage.base import Repository

UPSERT_CONNECTOR: Final = """
INSERT INTO connectors (station_id, evse_id, connector_id, status, error_code, status_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE
SET status = excluded.status, error_code = excluded.error_code, status_at = excluded.status_at,
    updated_at = now()
WHERE connectors.status_at <= excluded.status_at"""


class PostgresConnectorRepository(Repository):
    __slots__ = ()

    async def upsert(self, status: ConnectorStatus) -> None:
        await self._conn.execute(
            UPSERT_CONNECTOR,
            status.station_id,
            status.evse_id,
            status.connector_id,
            status.status,
            status.error_code,
            status.status_at,
        )
