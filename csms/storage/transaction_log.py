"""2.0.1 sequence numbers (replays detected, gaps recorded) and stops nobody started."""

from __future__ import annotations

from typing import Final

from csms.charging.ports import SeqNoEntry, UnmatchedStop
from csms.storage.base import Fields, Repository

SEQ_NO_ENTRY: Final = Fields(
    SeqNoEntry,
    "station_id, transaction_id, seq_no, event_type, trigger_reason, occurred_at, offline",
)
UNMATCHED_STOP: Final = Fields(
    UnmatchedStop, "station_id, transaction_id, stopped_at, meter_stop_wh, reason, details"
)

# One round trip: record the event; if it is new, clear the gap it fills and record the
# sequence numbers still missing below it (a replay inserts nothing and changes nothing).
RECORD_TRANSACTION_EVENT: Final = f"""
WITH inserted AS (
    INSERT INTO transaction_events ({SEQ_NO_ENTRY.sql})
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
SELECT count(*) FROM inserted"""  # noqa: S608 (a constant column list)
INSERT_UNMATCHED_STOP: Final = f"""
INSERT INTO unmatched_stops ({UNMATCHED_STOP.sql})
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING transaction_id"""  # noqa: S608 (a constant column list)


class PostgresTransactionLog(Repository):
    __slots__ = ()

    async def record_event_seq(self, entry: SeqNoEntry) -> bool:
        """False for a replay (the sequence number is already recorded)."""
        inserted = await self._conn.fetchval(RECORD_TRANSACTION_EVENT, *SEQ_NO_ENTRY.values(entry))
        return bool(inserted)

    async def record_unmatched_stop(self, stop: UnmatchedStop) -> bool:
        """False when this stop was already recorded."""
        return await self._inserted(INSERT_UNMATCHED_STOP, *UNMATCHED_STOP.values(stop))
