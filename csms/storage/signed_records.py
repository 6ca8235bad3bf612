"""Signed meter records (OCMF) exactly as received, linked to their session once known."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from csms.settlement.models import SignedRecord
from csms.storage.base import Columns, Repository

SIGNED_RECORD: Final = Columns(
    SignedRecord,
    "record_id, session_id, station_id, transaction_id, carrier, raw, ocmf, public_key,"
    " parse_error, received_at",
)

INSERT_SIGNED_RECORD: Final = """
INSERT INTO signed_records (session_id, station_id, transaction_id, carrier, raw, ocmf,
                            public_key, parse_error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING record_id"""
SELECT_SIGNED_RECORDS_OF_SESSION: Final = f"""
SELECT {SIGNED_RECORD.sql}
FROM signed_records
WHERE session_id = $1
ORDER BY received_at, record_id"""  # noqa: S608 (a constant column list)
LINK_SIGNED_RECORDS: Final = """
UPDATE signed_records
SET session_id = $3
WHERE station_id = $1 AND transaction_id = $2 AND session_id IS NULL"""


class PostgresSignedRecordRepository(Repository):
    __slots__ = ()

    async def add(self, record: SignedRecord) -> bool:
        """False when the same record was already kept (a replay)."""
        inserted = await self._conn.fetchval(
            INSERT_SIGNED_RECORD,
            record.session_id,
            record.station_id,
            record.transaction_id,
            record.carrier,
            record.raw,
            record.ocmf,
            record.public_key,
            record.parse_error,
        )
        return inserted is not None

    async def of_session(self, session_id: UUID) -> list[SignedRecord]:
        return SIGNED_RECORD.many(
            await self._conn.fetch(SELECT_SIGNED_RECORDS_OF_SESSION, session_id)
        )

    async def link(self, station_id: str, transaction_id: str, session_id: UUID) -> None:
        """Give records that arrived before their session was known to that session."""
        await self._conn.execute(LINK_SIGNED_RECORDS, station_id, transaction_id, session_id)
