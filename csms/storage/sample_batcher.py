"""Group commit for meter values: samples from many stations in one statement.

The samples of every plain MeterValues that arrives within the group-commit window are
written with one ``INSERT ... SELECT FROM unnest(...)`` that also links each row to its
session (``group_commit.py``: each message answered after that commit, a bad message fails
alone; replays are ignored by the unique index).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import asyncpg

from csms.settlement.ports import SampleBatch
from csms.storage.group_commit import GroupCommit
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


async def write_samples(conn: asyncpg.Connection, batches: Sequence[SampleBatch]) -> list[None]:
    """Every batch's samples in one statement."""
    rows: list[tuple[Any, ...]] = []
    for batch in batches:
        origin = (batch.station_id, batch.evse_id, batch.transaction_id)
        rows.extend((*origin, *READING.values(sample)) for sample in batch.samples)
    if rows:
        await conn.execute(INSERT_SAMPLES_BATCH, *columns(rows))
    return [None] * len(batches)


def columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows as the column arrays ``unnest`` takes."""
    return [list(column) for column in zip(*rows, strict=True)]


class PostgresSampleBatcher:
    """The :class:`~csms.settlement.ports.SampleBatcher` of PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool, *, max_wait_s: float = 0.002) -> None:
        self._commit = GroupCommit[SampleBatch, None](
            pool, write_samples, name="meter_values", max_wait_s=max_wait_s
        )

    async def add(self, batch: SampleBatch) -> None:
        """Store the samples with the next batch; returns once that batch committed."""
        if batch.samples:
            await self._commit.submit(batch)

    async def close(self) -> None:
        await self._commit.close()
