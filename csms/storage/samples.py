"""Every sampled meter value of a session, stored as sent (exact numerics, signed data).

A sampled value that cannot be read is stored too, flagged: ``raw_value`` as sent,
``unreadable`` why. The unique index ``meter_samples_once`` (migration 010) is the whole
sample: a replay adds nothing, samples differing in any field are all kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final
from uuid import UUID

from csms.settlement.models import MeterSample
from csms.settlement.ports import SampleBatch
from csms.storage.base import Columns, Query, SessionRecordRepository

# A plain (unsigned) sample is just its reading columns (sample_batcher.py writes those).
_READING_NAMES: Final = "sampled_at, measurand, value, unit, multiplier, phase, context, location"
READING: Final = Columns(MeterSample, _READING_NAMES)
_READING_TYPES: Final = (
    *("timestamptz", "text", "numeric", "text"),
    *("integer", "text", "text", "text"),
)


def item_readings(first: int) -> str:
    """``unnest`` of plain samples tagged with their batch item, ``m(item, <READING>)``, from
    parameter ``$first`` on (the group-commit statements that store samples with events)."""
    arrays = ", ".join(
        f"${first + i}::{kind}[]" for i, kind in enumerate(("integer", *_READING_TYPES))
    )
    return f"unnest({arrays}) AS m(item, {READING.sql})"


def item_reading_columns(samples_of_items: Iterable[Sequence[MeterSample]]) -> list[list[Any]]:
    """The parameters of :func:`item_readings`: the plain samples of every batch item, in
    item order, as column arrays (empty arrays when no item has one)."""
    rows = [
        (item, *READING.values(sample))
        for item, samples in enumerate(samples_of_items)
        for sample in samples
    ]
    if not rows:
        return [[] for _ in range(1 + len(READING.names))]
    return [list(column) for column in zip(*rows, strict=True)]


def linked_samples(source: str, first: int, transaction_id: str = "transaction_id") -> str:
    """The INSERT (a CTE of a group-commit statement) of the samples ``item_readings(first)``
    of the items that ``source`` stored, each linked to its item's session (``source`` has
    item, session_id, station_id, evse_id and the transaction id as ``transaction_id``)."""
    return f"""
    INSERT INTO meter_samples (session_id, station_id, evse_id, transaction_id, {READING.sql})
    SELECT s.session_id, s.station_id, s.evse_id, s.{transaction_id}, {READING.select("m")}
    FROM {item_readings(first)}
    JOIN {source} AS s USING (item)
    ON CONFLICT DO NOTHING"""  # noqa: S608 (constant names)


SAMPLE: Final = Columns(
    MeterSample,
    _READING_NAMES
    + ", signed_data, signing_method, encoding_method, public_key, raw_value, unreadable",
)

INSERT_SAMPLE: Final = f"""
INSERT INTO meter_samples (session_id, station_id, evse_id, transaction_id, {SAMPLE.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT DO NOTHING"""  # noqa: S608 (a constant column list)
SELECT_SAMPLES_OF_SESSION: Final = Query(
    SAMPLE, "FROM meter_samples", "WHERE session_id = $1", "ORDER BY sampled_at, sample_id"
)


class PostgresSampleRepository(SessionRecordRepository[MeterSample]):
    __slots__ = ()
    by_session = SELECT_SAMPLES_OF_SESSION

    async def add(self, batch: SampleBatch, session_id: UUID | None) -> int:
        if not batch.samples:
            return 0
        origin = (session_id, batch.station_id, batch.evse_id, batch.transaction_id)
        await self._conn.executemany(
            INSERT_SAMPLE, [(*origin, *SAMPLE.values(sample)) for sample in batch.samples]
        )
        return len(batch.samples)
