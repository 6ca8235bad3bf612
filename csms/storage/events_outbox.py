"""The events outbox: domain events written with their transaction, read by the relay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import asyncpg

from csms.events import DomainEvent, from_payload, to_payload
from csms.storage.pool import json_text

OnCommit = Callable[[list[tuple[int, DomainEvent]]], None]  # committed events, with their ids

# All events of a unit of work in one statement, in the order they were recorded.
INSERT_EVENTS: Final = """
INSERT INTO outbox_events (station_id, kind, payload)
SELECT u.station_id, u.kind, u.payload::jsonb
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY
     AS u(station_id, kind, payload, position)
ORDER BY u.position
RETURNING event_id"""
SELECT_PENDING_EVENTS: Final = """
SELECT event_id, kind, payload
FROM outbox_events
WHERE delivered_at IS NULL
ORDER BY event_id
LIMIT $1"""
MARK_EVENTS_DELIVERED: Final = """
UPDATE outbox_events
SET delivered_at = now()
WHERE event_id = ANY($1::bigint[]) AND delivered_at IS NULL"""


async def write_events(
    conn: asyncpg.Connection, events: Sequence[DomainEvent]
) -> list[tuple[int, DomainEvent]]:
    """Write recorded events (only called when there are some); returns them with their ids."""
    rows = await conn.fetch(
        INSERT_EVENTS,
        [event.station_id for event in events],
        [event.kind for event in events],
        [json_text(to_payload(event)) for event in events],
    )
    return sorted(zip(sorted(row["event_id"] for row in rows), events, strict=True))


class PostgresEventOutbox:
    """Undelivered events in ``event_id`` order; each is delivered at least once."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def pending(self, limit: int) -> list[tuple[int, DomainEvent]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(SELECT_PENDING_EVENTS, limit)
        return [(row["event_id"], from_payload(row["kind"], row["payload"])) for row in rows]

    async def mark_delivered(self, event_ids: list[int]) -> None:
        if not event_ids:
            return
        async with self._pool.acquire() as conn:
            await conn.execute(MARK_EVENTS_DELIVERED, event_ids)
