"""Stands, visitors, windows, passwords, mail, meters and signed records in PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from csms.authorization.models import Stand, Visitor
from csms.settlement.models import MeterRecord, SignedRecord
from csms.storage import sql
from csms.storage.rows import meter_from_row, signed_from_row, visitor_from_row


class PostgresVisitorRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def stand(self, stand_id: str) -> Stand | None:
        row = await self._conn.fetchrow(sql.SELECT_STAND, stand_id)
        if row is None:
            return None
        return Stand(
            row["stand_id"], row["station_id"], row["evse_id"], row["label"], row["uses_passwords"]
        )

    async def add_stand(self, stand: Stand) -> None:
        await self._conn.execute(
            sql.UPSERT_STAND,
            stand.stand_id,
            stand.station_id,
            stand.evse_id,
            stand.label,
            stand.uses_passwords,
        )

    async def add_visitor(self, visitor: Visitor) -> None:
        await self._conn.execute(
            sql.INSERT_VISITOR,
            visitor.visitor_id,
            visitor.stand_id,
            visitor.name,
            visitor.email,
            visitor.payment_reference,
            visitor.notify,
            visitor.registered_at,
        )

    async def open_window_at(self, stand_id: str, now: datetime) -> datetime | None:
        await self._conn.execute(sql.LOCK_STAND, stand_id)  # registrations at a stand queue
        value: datetime | None = await self._conn.fetchval(
            sql.SELECT_OPEN_WINDOW_AT_STAND, stand_id, now
        )
        return value

    async def open_window(
        self, visitor_id: UUID, stand: Stand, opened_at: datetime, closes_at: datetime
    ) -> None:
        await self._conn.execute(
            sql.INSERT_WINDOW,
            visitor_id,
            stand.stand_id,
            stand.station_id,
            stand.evse_id,
            opened_at,
            closes_at,
        )

    async def touch_open_window(
        self, station_id: str, evse_id: int | None, id_token: str, now: datetime
    ) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            sql.TOUCH_OPEN_WINDOW, station_id, evse_id, id_token, now
        )
        return value

    async def visits_possible(self, station_id: str, now: datetime, since: datetime) -> bool:
        return bool(await self._conn.fetchval(sql.SELECT_VISITS_POSSIBLE, station_id, now, since))

    async def bound_window(self, station_id: str, id_token: str, since: datetime) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            sql.SELECT_BOUND_WINDOW, station_id, id_token, since
        )
        return value

    async def password_in_use(self, station_id: str, code_hash: str, now: datetime) -> bool:
        return bool(
            await self._conn.fetchval(sql.SELECT_PASSWORD_IN_USE, station_id, code_hash, now)
        )

    async def add_password(
        self,
        visitor_id: UUID,
        station_id: str,
        code_hash: str,
        issued_at: datetime,
        expires_at: datetime,
    ) -> None:
        await self._conn.execute(
            sql.INSERT_PASSWORD, visitor_id, station_id, code_hash, issued_at, expires_at
        )

    async def use_password(
        self, station_id: str, code_hash: str, now: datetime, *, consume: bool
    ) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            sql.USE_PASSWORD, station_id, code_hash, now, consume
        )
        return value

    async def visitor(self, visitor_id: UUID) -> Visitor | None:
        row = await self._conn.fetchrow(sql.SELECT_VISITOR, visitor_id)
        return visitor_from_row(row) if row else None

    async def add_mail(self, kind: str, recipient: str, subject: str, body: str) -> None:
        await self._conn.execute(sql.INSERT_MAIL, kind, recipient, subject, body)


class PostgresMeterRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def upsert(self, meter: MeterRecord) -> None:
        await self._conn.execute(
            sql.UPSERT_METER,
            meter.serial,
            meter.maker,
            meter.model,
            meter.year,
            meter.accuracy_class,
            meter.public_key,
            meter.station_id,
            meter.evse_id,
            meter.site,
            meter.location_note,
            meter.signs_ocmf,
            meter.valid_from,
            meter.valid_to,
        )

    async def get(self, serial: str) -> MeterRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_METER, serial)
        return meter_from_row(row) if row else None

    async def meter_for(self, station_id: str, evse_id: int, at: datetime) -> MeterRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_METER_FOR_CONNECTOR, station_id, evse_id, at)
        return meter_from_row(row) if row else None

    async def add_signed_record(self, record: SignedRecord) -> bool:
        inserted = await self._conn.fetchval(
            sql.INSERT_SIGNED_RECORD,
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

    async def signed_records_of(self, session_id: UUID) -> list[SignedRecord]:
        rows = await self._conn.fetch(sql.SELECT_SIGNED_RECORDS_OF_SESSION, session_id)
        return [signed_from_row(row) for row in rows]

    async def link_signed_records(
        self, station_id: str, transaction_id: str, session_id: UUID
    ) -> None:
        await self._conn.execute(sql.LINK_SIGNED_RECORDS, station_id, transaction_id, session_id)
