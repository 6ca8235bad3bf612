"""Connector status: the latest report per connector wins, older ones are ignored."""

from __future__ import annotations

from typing import Final

from csms.stations.models import ConnectorStatus
from csms.storage.base import Fields, Repository

CONNECTOR: Final = Fields(
    ConnectorStatus, "station_id, evse_id, connector_id, status, error_code, status_at"
)

UPSERT_CONNECTOR: Final = f"""
INSERT INTO connectors ({CONNECTOR.sql})
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE
SET status = excluded.status, error_code = excluded.error_code, status_at = excluded.status_at,
    updated_at = now()
WHERE connectors.status_at <= excluded.status_at"""  # noqa: S608 (a constant column list)


class PostgresConnectorRepository(Repository):
    __slots__ = ()

    async def upsert(self, status: ConnectorStatus) -> None:
        await self._conn.execute(UPSERT_CONNECTOR, *CONNECTOR.values(status))
