"""When stations were last heard from: kept in memory, written in one statement periodically.

A Heartbeat (OCPP 1.6 §4.6, 2.0.1 G02) only says "still here". Writing its time per message
would cost a round trip for a fact nobody bills on, so :meth:`seen` keeps the latest time
per station and :meth:`flush` (every ``presence_flush_s``, and at shutdown) writes all of
them with one ``UPDATE ... FROM unnest``. What a crash loses is at most one interval of
"last seen" times, never data: the station's next message sets it again, and its
connection flag is written at once on connect and disconnect.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Final

import asyncpg
import structlog

from csms.storage.pool import DATABASE_UNAVAILABLE

log = structlog.get_logger(__name__)

UPDATE_LAST_SEEN: Final = """
UPDATE stations AS s
SET last_seen_at = greatest(s.last_seen_at, u.seen_at)
FROM unnest($1::text[], $2::timestamptz[]) AS u(station_id, seen_at)
WHERE s.station_id = u.station_id"""


class PostgresPresence:
    """The :class:`~csms.stations.ports.Presence` of PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._seen: dict[str, datetime] = {}

    def seen(self, station_id: str, at: datetime) -> None:
        self._seen[station_id] = at

    async def flush(self) -> int:
        """Write every time seen since the last flush; kept for the next one on failure."""
        seen, self._seen = self._seen, {}
        if not seen:
            return 0
        try:
            async with self._pool.acquire() as conn:
                await conn.execute(UPDATE_LAST_SEEN, list(seen), list(seen.values()))
        except BaseException:  # a failure or a cancellation (shutdown): kept for the next
            for station_id, at in seen.items():  # newer times seen meanwhile win
                self._seen.setdefault(station_id, at)
            raise
        return len(seen)

    async def run(self, interval_s: float) -> None:
        """Flush every ``interval_s`` until cancelled; an outage only delays the write."""
        while True:
            await asyncio.sleep(interval_s)
            await self.close()

    async def close(self) -> None:
        """Flush; a failure is logged (the times are kept for the next flush)."""
        try:
            await self.flush()
        except DATABASE_UNAVAILABLE:
            log.warning("presence_flush_failed", pending=len(self._seen))
        except Exception:
            log.error("presence_flush_failed", pending=len(self._seen), exc_info=True)
