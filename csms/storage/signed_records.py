"""Signed meter records (OCMF) exactly as received, linked to their session once known."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from csms.settlement.models import SignedRecord
from csms.storage.base import Columns, Fields, Query, SessionRecordRepository

SIGNED_RECORD: Final = Columns(
    SignedRecord,
    "record_id, session_id, station_id, transaction_id, carrier, raw, ocmf, public_key,"
    " parse_error, received_at",
)

# What an insert writes (the id and the time of receipt are the database's).
RECEIVED_RECORD: Final = Fields(
    SignedRecord,
    "session_id, station_id, transaction_id, carrier, raw, ocmf, public_key, parse_error",
)

INSERT_SIGNED_RECORD: Final = f"""
INSERT INTO signed_records ({RECEIVED_RECORD.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING record_id"""  # noqa: S608 (a constant column list)
SELECT_SIGNED_RECORDS_OF_SESSION: Final = Query(
    SIGNED_RECORD, "FROM signed_records", "WHERE session_id = $1", "ORDER BY received_at, record_id"
)
LINK_SIGNED_RECORDS: Final = """
UPDATE signed_records
SET session_id = $3
WHERE station_id = $1 AND transaction_id = $2 AND session_id IS NULL"""


class PostgresSignedRecordRepository(SessionRecordRepository[SignedRecord]):
    __slots__ = ()
    by_session = SELECT_SIGNED_RECORDS_OF_SESSION

    async def add(self, record: SignedRecord) -> bool:
        """False when the same record was already kept (a replay)."""
        return await self._inserted(INSERT_SIGNED_RECORD, *RECEIVED_RECORD.values(record))

    async def link(self, station_id: str, transaction_id: str, session_id: UUID) -> None:
        """Give records that arrived before their session was known to that session."""
        await self._conn.execute(LINK_SIGNED_RECORDS, station_id, transaction_id, session_id)
