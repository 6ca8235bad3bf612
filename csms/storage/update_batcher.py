"""Group commit for plain 2.0.1 Updated events: seqNo, samples and session in one statement.

Most events of a 2.0.1 session are Updated events with meter values (E02). For those that
change nothing but the event log and the samples (``charging.ports.PlainUpdate``), one
statement per batch does what the full path does per event in a transaction of five round
trips: it advances the session's last seqNo (the UPDATE locks the row and re-checks that
the session is still active under concurrent changes), records the event with its content
digest, and stores its samples linked to the session. An event that is not the next one of
an active, complete session (a replay, a gap, a reused seqNo, a late start, an ended
session) is not written here and takes the full path (``ChargingLifecycle``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import asyncpg

from csms.charging.ports import PlainUpdate
from csms.observability import GROUP_COMMIT_SKIPPED
from csms.storage.group_commit import GroupCommit
from csms.storage.sample_batcher import columns
from csms.storage.samples import item_reading_columns, linked_samples
from csms.storage.transaction_log import logged_entries

RECORD_PLAIN_UPDATES: Final = f"""
WITH u AS (
    SELECT *
    FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                $6::timestamptz[], $7::text[], $8::integer[], $9::integer[])
         AS u(item, station_id, transaction_id, seq_no, trigger_reason, occurred_at, digest,
              evse_id, connector_id)
), bumped AS (
    UPDATE sessions AS s
    SET last_seq_no = u.seq_no
    FROM u
    WHERE s.station_id = u.station_id AND s.transaction_id = u.transaction_id
      AND s.state = 'active' AND s.last_seq_no = u.seq_no - 1
      AND s.meter_start_wh IS NOT NULL
      AND (s.evse_id IS NOT NULL OR u.evse_id IS NULL)
      AND (s.connector_id IS NOT NULL OR u.connector_id IS NULL)
      AND NOT EXISTS (SELECT 1
                      FROM transaction_events AS e
                      WHERE e.station_id = u.station_id AND e.transaction_id = u.transaction_id
                        AND e.seq_no = u.seq_no)
    RETURNING u.item, s.session_id, s.evse_id, u.station_id, u.transaction_id, u.seq_no,
              u.trigger_reason, u.occurred_at, u.digest
), logged AS ({logged_entries("bumped", "Updated")}
), sampled AS ({linked_samples("bumped", 10)}
)
SELECT item FROM bumped"""  # noqa: S608 (a constant column list)


async def write_updates(conn: asyncpg.Connection, updates: Sequence[PlainUpdate]) -> list[bool]:
    """Every update of the batch in one statement; True for each one it stored."""
    events: list[tuple[Any, ...]] = []
    for item, update in enumerate(updates):
        entry = update.entry
        events.append(
            (
                item,
                entry.station_id,
                entry.transaction_id,
                entry.seq_no,
                entry.trigger_reason,
                entry.occurred_at,
                entry.digest,
                update.evse_id,
                update.connector_id,
            )
        )
    samples = item_reading_columns(update.samples for update in updates)
    rows = await conn.fetch(RECORD_PLAIN_UPDATES, *columns(events), *samples)
    stored = {row["item"] for row in rows}
    return [item in stored for item in range(len(updates))]


class PostgresUpdateBatcher:
    """The :class:`~csms.charging.ports.UpdateBatcher` of PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool, *, max_wait_s: float = 0.002) -> None:
        self._commit = GroupCommit[PlainUpdate, bool](
            pool, write_updates, name="transaction_updates", max_wait_s=max_wait_s
        )

    async def record_update(self, update: PlainUpdate) -> bool:
        stored = await self._commit.submit(update)
        if not stored:
            GROUP_COMMIT_SKIPPED.labels("transaction_updates").inc()
        return stored

    async def close(self) -> None:
        await self._commit.close()
