"""Group commit for plain ends: completions, statements, seqNo entries, samples and events.

A plain end (``charging.plain_ends``) costs the full path a transaction of about twelve
round trips: the session locked, the seqNo entry, the samples, the signed-record link, the
meter, the completion, the pricing terms, the statement, the outbox, BEGIN and COMMIT. Its
decisions are made beforehand by the same rules through reads; for the ends of a batch, one
statement completes every session that is still as it was read (active, not ended otherwise,
the same last seqNo, no statement, the end's seqNo not logged) and, for those only, logs the
end's seqNo, stores its samples, inserts its statement and writes its events (handed to the
relay after the commit, as a unit of work does). An end the statement skips writes nothing
and takes the full path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import asyncpg

from csms.charging.ports import PlainEnd
from csms.events import DomainEvent, to_payload
from csms.observability import GROUP_COMMIT_SKIPPED
from csms.storage.events_outbox import OnCommit
from csms.storage.group_commit import GroupCommit
from csms.storage.metering import metering_json
from csms.storage.pool import json_text
from csms.storage.sample_batcher import columns
from csms.storage.samples import item_reading_columns, linked_samples
from csms.storage.sessions import completing
from csms.storage.statements import ISSUED, statement_json
from csms.storage.transaction_log import logged_entries

# The COMPLETION values of the batch's rows (storage/sessions.py ``completing``).
_COMPLETION_OF_U: Final = (
    *("u.stopped_at", "u.meter_stop_wh", "u.energy_wh", "u.stop_reason"),
    *("u.metering::jsonb", "u.ending::jsonb"),
)

_STATEMENT_COLUMNS: Final = ", ".join(f"t.{name}" for name in ISSUED.names)

RECORD_PLAIN_ENDS: Final = f"""
WITH u AS (
    SELECT *
    FROM unnest($1::integer[], $2::uuid[], $3::bigint[], $4::bigint[], $5::text[],
                $6::timestamptz[], $7::text[], $8::timestamptz[], $9::numeric[],
                $10::numeric[], $11::text[], $12::text[], $13::text[])
         AS u(item, session_id, read_seq_no, seq_no, trigger_reason, occurred_at, digest,
              stopped_at, meter_stop_wh, energy_wh, stop_reason, metering, ending)
), completed AS (
    UPDATE sessions AS s
    SET {completing(_COMPLETION_OF_U, "s")}, last_seq_no = coalesce(u.seq_no, s.last_seq_no)
    FROM u
    WHERE s.session_id = u.session_id AND s.state = 'active' AND s.ending IS NULL
      AND s.last_seq_no IS NOT DISTINCT FROM u.read_seq_no
      AND NOT EXISTS (SELECT 1 FROM transaction_events AS e
                      WHERE e.station_id = s.station_id AND e.transaction_id = s.transaction_id
                        AND e.seq_no = u.seq_no)
      AND NOT EXISTS (SELECT 1 FROM statements AS t WHERE t.session_id = s.session_id)
    RETURNING u.item, s.session_id, s.station_id, s.transaction_id, s.evse_id, u.seq_no,
              u.trigger_reason, u.occurred_at, u.digest
), logged AS ({logged_entries("completed", "Ended")}
), sampled AS ({linked_samples("completed", 14)}
), issued AS (
    INSERT INTO statements ({ISSUED.sql})
    SELECT {_STATEMENT_COLUMNS}
    FROM jsonb_array_elements($23::jsonb) WITH ORDINALITY AS j(statement, position)
    JOIN completed AS c ON c.item = j.position - 1
    CROSS JOIN LATERAL jsonb_populate_record(NULL::statements, j.statement) AS t
), published AS (
    INSERT INTO outbox_events (station_id, kind, payload)
    SELECT e.station_id, e.kind, e.payload::jsonb
    FROM unnest($24::integer[], $25::text[], $26::text[], $27::text[]) WITH ORDINALITY
         AS e(item, station_id, kind, payload, position)
    JOIN completed AS c USING (item)
    ORDER BY e.position
    RETURNING event_id
)
SELECT item, NULL::bigint AS event_id FROM completed
UNION ALL
SELECT NULL, event_id FROM published"""  # noqa: S608 (constant column lists)


def _row(item: int, end: PlainEnd) -> tuple[Any, ...]:
    entry, done = end.entry, end.completion
    metering = json_text(metering_json(done.metering)) if done.metering is not None else None
    return (
        item,
        end.session_id,
        end.last_seq_no,
        entry.seq_no if entry is not None else None,
        entry.trigger_reason if entry is not None else None,
        entry.occurred_at if entry is not None else None,
        entry.digest if entry is not None else None,
        done.stopped_at,
        done.meter_stop_wh,
        done.energy_wh,
        done.stop_reason,
        metering,
        json_text(done.ending) if done.ending is not None else None,
    )


class PostgresEndBatcher:
    """The :class:`~csms.charging.ports.EndBatcher` of PostgreSQL; ``on_commit`` gets the
    events of every batch once it committed (the relay, as for a unit of work)."""

    def __init__(
        self, pool: asyncpg.Pool, on_commit: OnCommit | None = None, *, max_wait_s: float = 0.002
    ) -> None:
        self._on_commit = on_commit
        self._commit = GroupCommit[PlainEnd, bool](
            pool, self._write, name="transaction_ends", max_wait_s=max_wait_s
        )

    async def record_end(self, end: PlainEnd) -> bool:
        stored = await self._commit.submit(end)
        if not stored:
            GROUP_COMMIT_SKIPPED.labels("transaction_ends").inc()
        return stored

    async def _write(self, conn: asyncpg.Connection, ends: Sequence[PlainEnd]) -> list[bool]:
        """Every end of the batch in one statement; True for each one it stored."""
        events = [(item, event) for item, end in enumerate(ends) for event in end.events]
        rows = await conn.fetch(
            RECORD_PLAIN_ENDS,
            *columns([_row(item, end) for item, end in enumerate(ends)]),
            *item_reading_columns(end.samples for end in ends),
            [statement_json(end.statement) for end in ends],
            [item for item, _ in events],
            [event.station_id for _, event in events],
            [event.kind for _, event in events],
            [json_text(to_payload(event)) for _, event in events],
        )
        stored = {row["item"] for row in rows if row["item"] is not None}
        ids = sorted(row["event_id"] for row in rows if row["event_id"] is not None)
        written = [event for item, event in events if item in stored]
        committed: list[tuple[int, DomainEvent]] = list(zip(ids, written, strict=True))
        if committed and self._on_commit is not None:
            self._on_commit(committed)
        return [item in stored for item in range(len(ends))]

    async def close(self) -> None:
        await self._commit.close()
