"""Group commit for plain starts: sessions, seqNo entries, samples and events in one statement.

A plain start (``charging.plain_starts``) costs the full path a transaction of about ten
round trips (the session lookup, the seqNo entry, the supersede check, the insert, the
samples, the outbox, BEGIN and COMMIT). For the starts of a batch, one statement inserts
every session that nothing else has to be decided for: it is not there yet (a 1.6 retry's
start key, a 2.0.1 transaction id: the unique keys), no event of its transaction is logged,
no session is active on its EVSE (the full path supersedes it) and no app start of its card
waits (the full path claims it). With the session it writes the 2.0.1 seqNo entry, the
samples and the ``SessionStarted`` event (handed to the relay after the commit, as a unit of
work does). A 1.6 start gets its transaction id from the same sequence as the full path.
A start the statement skips writes nothing and takes the full path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

import asyncpg

from csms.charging.models import Session
from csms.charging.plain_starts import started_event
from csms.charging.ports import PlainStart
from csms.events import DomainEvent, to_payload
from csms.observability import GROUP_COMMIT_SKIPPED
from csms.storage.events_outbox import OnCommit
from csms.storage.group_commit import GroupCommit
from csms.storage.pool import json_text
from csms.storage.remote_starts import waiting_start
from csms.storage.sample_batcher import columns
from csms.storage.samples import item_reading_columns, linked_samples
from csms.storage.transaction_log import logged_entries

# A waiting app start of the card (storage/remote_starts.py): the full path claims it.
_CLAIMABLE: Final = waiting_start("u.station_id", "u.claim_token", "NULL", "u.claim_since", "r")

_LOGGED: Final = logged_entries(
    "stored", "Started", transaction_id="issued_id", occurred_at="started_at"
)

RECORD_PLAIN_STARTS: Final = f"""
WITH u AS (
    SELECT *
    FROM unnest($1::integer[], $2::uuid[], $3::text[], $4::integer[], $5::integer[],
                $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                $11::timestamptz[], $12::numeric[], $13::bigint[], $14::uuid[], $15::text[],
                $16::text[], $17::text[], $18::timestamptz[], $19::text[], $20::text[],
                $21::text[])
         AS u(item, session_id, station_id, evse_id, connector_id, transaction_id,
              ocpp_version, id_token, token_kind, authorization_status, started_at,
              meter_start_wh, seq_no, visitor_id, flag, start_key, claim_token, claim_since,
              trigger_reason, digest, payload)
), inserted AS (
    INSERT INTO sessions (session_id, station_id, evse_id, connector_id, transaction_id,
                          ocpp_version, id_token, token_kind, authorization_status,
                          started_at, meter_start_wh, state, offline, last_seq_no,
                          visitor_id, flag, start_key)
    SELECT session_id, station_id, evse_id, connector_id,
           coalesce(nullif(transaction_id, ''), nextval('transaction_id_seq')::integer::text),
           ocpp_version, id_token, token_kind, authorization_status, started_at,
           meter_start_wh, 'active', false, seq_no, visitor_id, flag, start_key
    FROM u
    WHERE NOT EXISTS (SELECT 1 FROM sessions AS s
                      WHERE s.station_id = u.station_id AND s.evse_id = u.evse_id
                        AND s.state = 'active')
      AND NOT EXISTS (SELECT 1 FROM remote_starts AS r
                      WHERE {_CLAIMABLE})
      AND NOT EXISTS (SELECT 1 FROM transaction_events AS e
                      WHERE e.station_id = u.station_id AND e.transaction_id = u.transaction_id)
    ORDER BY item
    ON CONFLICT DO NOTHING
    RETURNING session_id, transaction_id AS issued_id
), stored AS (
    SELECT u.*, i.issued_id FROM inserted AS i JOIN u USING (session_id)
), logged AS ({_LOGGED}
), sampled AS ({linked_samples("stored", 22, "issued_id")}
), published AS (
    INSERT INTO outbox_events (station_id, kind, payload)
    SELECT station_id, 'session_started',
           jsonb_set(payload::jsonb, '{{transaction_id}}', to_jsonb(issued_id))
    FROM stored
    ORDER BY item
    RETURNING event_id, payload ->> 'session_id' AS session_id
)
SELECT s.item, s.issued_id, p.event_id
FROM stored AS s JOIN published AS p ON p.session_id = s.session_id::text"""  # noqa: S608 (a constant column list)


def _row(item: int, start: PlainStart) -> tuple[Any, ...]:
    session, entry = start.session, start.entry
    return (
        item,
        session.session_id,
        session.station_id,
        session.evse_id,
        session.connector_id,
        session.transaction_id,
        session.ocpp_version,
        session.id_token,
        session.token_kind,
        session.authorization_status,
        session.started_at,
        session.meter_start_wh,
        entry.seq_no if entry is not None else None,
        session.visitor_id,
        session.flag,
        start.start_key,
        start.claim_token,
        start.claim_since,
        entry.trigger_reason if entry is not None else None,
        entry.digest if entry is not None else None,
        json_text(to_payload(started_event(session))),
    )


class PostgresStartBatcher:
    """The :class:`~csms.charging.ports.StartBatcher` of PostgreSQL; ``on_commit`` gets the
    events of every batch once it committed (the relay, as for a unit of work)."""

    def __init__(
        self, pool: asyncpg.Pool, on_commit: OnCommit | None = None, *, max_wait_s: float = 0.002
    ) -> None:
        self._on_commit = on_commit
        self._commit = GroupCommit[PlainStart, Session | None](
            pool, self._write, name="transaction_starts", max_wait_s=max_wait_s
        )

    async def record_start(self, start: PlainStart) -> Session | None:
        session = await self._commit.submit(start)
        if session is None:
            GROUP_COMMIT_SKIPPED.labels("transaction_starts").inc()
        return session

    async def _write(
        self, conn: asyncpg.Connection, starts: Sequence[PlainStart]
    ) -> list[Session | None]:
        """Every start of the batch in one statement; the stored session for each it stored."""
        rows = [_row(item, start) for item, start in enumerate(starts)]
        samples = item_reading_columns(start.samples for start in starts)
        stored = await conn.fetch(RECORD_PLAIN_STARTS, *columns(rows), *samples)
        results: list[Session | None] = [None] * len(starts)
        committed: list[tuple[int, DomainEvent]] = []
        for row in stored:
            session = replace(starts[row["item"]].session, transaction_id=row["issued_id"])
            results[row["item"]] = session
            committed.append((row["event_id"], started_event(session)))
        if committed and self._on_commit is not None:
            self._on_commit(sorted(committed, key=lambda pair: pair[0]))
        return results

    async def close(self) -> None:
        await self._commit.close()
