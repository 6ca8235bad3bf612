"""Billing meters (specified metering, seeds 003/004) and which connector each measures."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from csms.settlement.models import MeterRecord
from csms.storage.base import Columns, KeyedRepository, Query

METER: Final = Columns(
    MeterRecord,
    "serial, maker, model, year, accuracy_class, public_key, station_id, evse_id, site,"
    " location_note, signs_ocmf, valid_from, valid_to",
)

# A key once registered is kept when an update does not name one.
UPSERT_METER: Final = f"""
INSERT INTO meters ({METER.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (serial) DO UPDATE
SET maker = excluded.maker, model = excluded.model, year = excluded.year,
    accuracy_class = excluded.accuracy_class,
    public_key = coalesce(excluded.public_key, meters.public_key),
    station_id = excluded.station_id, evse_id = excluded.evse_id, site = excluded.site,
    location_note = excluded.location_note, signs_ocmf = excluded.signs_ocmf,
    valid_from = excluded.valid_from, valid_to = excluded.valid_to"""  # noqa: S608 (a constant column list)
SELECT_METER: Final = Query(METER, "FROM meters", "WHERE serial = $1")
SELECT_METER_FOR_CONNECTOR: Final = Query(
    METER,
    "FROM meters",
    "WHERE station_id = $1 AND evse_id = $2",
    "  AND (valid_from IS NULL OR valid_from <= $3) AND (valid_to IS NULL OR $3 <= valid_to)",
    "ORDER BY valid_from DESC NULLS LAST",
    "LIMIT 1",
)


class PostgresMeterRepository(KeyedRepository[MeterRecord]):
    __slots__ = ()
    by_key = SELECT_METER

    async def upsert(self, meter: MeterRecord) -> None:
        await self._conn.execute(UPSERT_METER, *METER.values(meter))

    async def meter_for(self, station_id: str, evse_id: int, at: datetime) -> MeterRecord | None:
        return await SELECT_METER_FOR_CONNECTOR.one(self._conn, station_id, evse_id, at)
