"""Group commit for meter values: samples from many stations in one statement.

OCPP answers a MeterValues Call only after its samples are stored. Instead of one
transaction per message, samples that arrive within ``max_wait_s`` (2 ms) are written with
one ``INSERT ... SELECT FROM unnest(...)`` that also links each row to its session; every
waiting message is answered once that single statement has committed (or fails, and is
answered InternalError, so the station retries; replays are ignored by the unique index).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import asyncpg

from csms.settlement.ports import SampleBatch
from csms.storage.samples import READING

# Many messages' samples, each linked to its session, in one statement.
INSERT_SAMPLES_BATCH: Final = f"""
INSERT INTO meter_samples (session_id, station_id, evse_id, transaction_id, {READING.sql})
SELECT s.session_id, u.station_id, u.evse_id, u.transaction_id, {READING.select("u")}
FROM unnest($1::text[], $2::integer[], $3::text[], $4::timestamptz[], $5::text[],
            $6::numeric[], $7::text[], $8::integer[], $9::text[], $10::text[], $11::text[])
     AS u(station_id, evse_id, transaction_id, {READING.sql})
LEFT JOIN sessions AS s ON s.station_id = u.station_id AND s.transaction_id = u.transaction_id
ON CONFLICT DO NOTHING"""  # noqa: S608 (a constant column list)


class PostgresSampleBatcher:
    def __init__(
        self, pool: asyncpg.Pool, *, max_wait_s: float = 0.002, max_rows: int = 2000
    ) -> None:
        self._pool = pool
        self._max_wait_s = max_wait_s
        self._max_rows = max_rows
        self._rows: list[tuple[Any, ...]] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    async def add(self, batch: SampleBatch) -> None:
        """Store the samples with the next batch; returns once that batch committed."""
        if not batch.samples:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        origin = (batch.station_id, batch.evse_id, batch.transaction_id)
        self._rows.extend((*origin, *READING.values(sample)) for sample in batch.samples)
        self._waiters.append(future)
        if len(self._rows) >= self._max_rows:
            self._start_flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._max_wait_s, self._start_flush)
        await future

    def _start_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        rows, waiters = self._rows, self._waiters
        self._rows, self._waiters = [], []
        if not waiters:
            return
        task = asyncio.create_task(self._flush(rows, waiters))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(
        self, rows: list[tuple[Any, ...]], waiters: list[asyncio.Future[None]]
    ) -> None:
        columns = [list(column) for column in zip(*rows, strict=True)]
        try:
            async with self._pool.acquire() as conn:
                await conn.execute(INSERT_SAMPLES_BATCH, *columns)
        except Exception as exc:  # every waiting message is answered with the failure
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def close(self) -> None:
        """Write what is waiting, then wait for writes in flight (shutdown)."""
        self._start_flush()
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)
