"""2.0.1 sequence numbers (replays detected, gaps recorded) and stops nobody started."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final

from csms.storage.base import Repository

# One round trip: record the event; if it is new, clear the gap it fills and record the
# sequence numbers still missing below it (a replay inserts nothing and changes nothing).
RECORD_TRANSACTION_EVENT: Final = """
WITH inserted AS (
    INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type,
                                    trigger_reason, occurred_at, offline)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT DO NOTHING
    RETURNING seq_no
), filled AS (
    DELETE FROM seq_no_gaps
    WHERE station_id = $1 AND transaction_id = $2 AND missing_seq_no = $3
      AND EXISTS (SELECT 1 FROM inserted)
), missing AS (
    INSERT INTO seq_no_gaps (station_id, transaction_id, missing_seq_no)
    SELECT $1, $2, gap
    FROM generate_series(
             coalesce((SELECT max(seq_no) + 1
                       FROM transaction_events
                       WHERE station_id = $1 AND transaction_id = $2 AND seq_no < $3), 0),
             $3 - 1) AS gap
    WHERE EXISTS (SELECT 1 FROM inserted)
      AND NOT EXISTS (SELECT 1
                      FROM transaction_events
                      WHERE station_id = $1 AND transaction_id = $2 AND seq_no = gap)
    LIMIT 1000
    ON CONFLICT DO NOTHING
), bumped AS (
    UPDATE sessions
    SET last_seq_no = greatest(coalesce(last_seq_no, $3), $3)
    WHERE station_id = $1 AND transaction_id = $2 AND EXISTS (SELECT 1 FROM inserted)
)
SELECT count(*) FROM inserted"""
INSERT_UNMATCHED_STOP: Final = """
INSERT INTO unmatched_stops (station_id, transaction_id, stopped_at, meter_stop_wh, reason,
                             details)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING transaction_id"""


class PostgresTransactionLog(Repository):
    __slots__ = ()

    async def record_event_seq(
        self,
        station_id: str,
        transaction_id: str,
        seq_no: int,
        kind: str,
        trigger_reason: str,
        occurred_at: datetime,
        offline: bool,
    ) -> bool:
        """False for a replay (the sequence number is already recorded)."""
        inserted = await self._conn.fetchval(
            RECORD_TRANSACTION_EVENT,
            station_id,
            transaction_id,
            seq_no,
            kind,
            trigger_reason,
            occurred_at,
            offline,
        )
        return bool(inserted)

    async def record_unmatched_stop(
        self,
        station_id: str,
        transaction_id: str,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        reason: str | None,
        payload: dict[str, object],
    ) -> bool:
        """False when this stop was already recorded."""
        inserted = await self._conn.fetchval(
            INSERT_UNMATCHED_STOP,
            station_id,
            transaction_id,
            stopped_at,
            meter_stop_wh,
            reason,
            payload,
        )
        return inserted is not None
