"""Group commit for StatusNotification: the reports of many stations in one upsert.

The latest report per connector wins (``connectors.py``), older ones are ignored. Two
reports for one connector in a batch cannot be one upsert (PostgreSQL refuses to change a
row twice in a statement): that batch is written again report by report
(``group_commit.py``), in arrival order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import asyncpg

from csms.stations.models import ConnectorStatus
from csms.storage.connectors import CONNECTOR
from csms.storage.group_commit import GroupCommit
from csms.storage.sample_batcher import columns

UPSERT_CONNECTORS: Final = f"""
INSERT INTO connectors ({CONNECTOR.sql})
SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::text[],
                     $6::timestamptz[])
ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE
SET status = excluded.status, error_code = excluded.error_code, status_at = excluded.status_at,
    updated_at = now()
WHERE connectors.status_at <= excluded.status_at"""  # noqa: S608 (a constant column list)


async def write_statuses(
    conn: asyncpg.Connection, statuses: Sequence[ConnectorStatus]
) -> list[None]:
    await conn.execute(UPSERT_CONNECTORS, *columns([CONNECTOR.values(s) for s in statuses]))
    return [None] * len(statuses)


class PostgresStatusBatcher:
    """The :class:`~csms.stations.ports.StatusWriter` of PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool, *, max_wait_s: float = 0.002) -> None:
        self._commit = GroupCommit[ConnectorStatus, None](
            pool, write_statuses, name="status_notifications", max_wait_s=max_wait_s
        )

    async def record_status(self, status: ConnectorStatus) -> None:
        await self._commit.submit(status)

    async def close(self) -> None:
        await self._commit.close()
