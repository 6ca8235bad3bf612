"""2.0.1 sequence numbers (replays detected, gaps recorded) and stops nobody started."""

from __future__ import annotations

from typing import Final

from csms.charging.ports import SeqNoEntry, SeqNoOutcome, UnmatchedStop
from csms.storage.base import Fields, Repository

SEQ_NO_ENTRY: Final = Fields(
    SeqNoEntry,
    "station_id, transaction_id, seq_no, event_type, trigger_reason, occurred_at, offline, digest",
)
UNMATCHED_STOP: Final = Fields(
    UnmatchedStop, "station_id, transaction_id, stopped_at, meter_stop_wh, reason, details"
)

# One round trip: record the event unless the same event (seqNo and content digest) is
# there; a used seqNo with other content is recorded flagged seq_no_reused. A new seqNo
# clears the gap it fills and records the sequence numbers still missing below it (at most
# 1000, a bounded series: a seqNo of 2^40 must not make 2^40 rows). A Started's seqNo is
# its transaction's first: nothing below it is missing (stations that count across
# transactions start each one above 0), and gaps recorded below it before it came go. The
# answer is NULL for a replay, false for a new event, true for a reused seqNo. A row kept
# before migration 010 has no digest (''): its seqNo again is a replay, as it was then.
RECORD_TRANSACTION_EVENT: Final = f"""
WITH seen AS (
    SELECT digest FROM transaction_events
    WHERE station_id = $1 AND transaction_id = $2 AND seq_no = $3
), inserted AS (
    INSERT INTO transaction_events ({SEQ_NO_ENTRY.sql}, seq_no_reused)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, EXISTS (SELECT 1 FROM seen)
    WHERE NOT EXISTS (SELECT 1 FROM seen WHERE digest = $8 OR digest = '')
    ON CONFLICT DO NOTHING
    RETURNING seq_no_reused
), filled AS (
    DELETE FROM seq_no_gaps
    WHERE station_id = $1 AND transaction_id = $2
      AND (missing_seq_no = $3 OR ($4 = 'Started' AND missing_seq_no < $3))
      AND EXISTS (SELECT 1 FROM inserted)
), missing AS (
    INSERT INTO seq_no_gaps (station_id, transaction_id, missing_seq_no)
    SELECT $1, $2, gap
    FROM (SELECT coalesce((SELECT max(seq_no) + 1
                           FROM transaction_events
                           WHERE station_id = $1 AND transaction_id = $2 AND seq_no < $3),
                          0) AS first) AS below,
         generate_series(below.first, least($3 - 1, below.first + 999)) AS gap
    WHERE EXISTS (SELECT 1 FROM inserted WHERE NOT seq_no_reused) AND $4 <> 'Started'
      AND NOT EXISTS (SELECT 1
                      FROM transaction_events
                      WHERE station_id = $1 AND transaction_id = $2 AND seq_no = gap)
    ON CONFLICT DO NOTHING
), bumped AS (
    UPDATE sessions
    SET last_seq_no = greatest(coalesce(last_seq_no, $3), $3)
    WHERE station_id = $1 AND transaction_id = $2 AND EXISTS (SELECT 1 FROM inserted)
)
SELECT seq_no_reused FROM inserted"""  # noqa: S608 (a constant column list)


def logged_entries(
    source: str,
    event_type: str,
    *,
    transaction_id: str = "transaction_id",
    occurred_at: str = "occurred_at",
) -> str:
    """The INSERT (a CTE of a group-commit statement) of the seqNo entries of the items that
    ``source`` stored, online events of ``event_type`` (``source`` has station_id, seq_no,
    trigger_reason, digest, the transaction id and the event's time by the names given)."""
    return f"""
    INSERT INTO transaction_events ({SEQ_NO_ENTRY.sql})
    SELECT station_id, {transaction_id}, seq_no, '{event_type}', trigger_reason, {occurred_at},
           false, digest
    FROM {source}
    WHERE seq_no IS NOT NULL
    ON CONFLICT DO NOTHING"""  # noqa: S608 (constant names)


INSERT_UNMATCHED_STOP: Final = f"""
INSERT INTO unmatched_stops ({UNMATCHED_STOP.sql})
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING transaction_id"""  # noqa: S608 (a constant column list)


class PostgresTransactionLog(Repository):
    __slots__ = ()

    async def record_event_seq(self, entry: SeqNoEntry) -> SeqNoOutcome:
        """A replay (this seqNo with this content is recorded), new, or a reused seqNo."""
        reused = await self._conn.fetchval(RECORD_TRANSACTION_EVENT, *SEQ_NO_ENTRY.values(entry))
        if reused is None:
            return SeqNoOutcome.REPLAY
        return SeqNoOutcome.REUSED if reused else SeqNoOutcome.NEW

    async def record_unmatched_stop(self, stop: UnmatchedStop) -> bool:
        """False when this stop was already recorded."""
        return await self._inserted(INSERT_UNMATCHED_STOP, *UNMATCHED_STOP.values(stop))
