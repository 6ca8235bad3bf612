"""Meter samples, billing meters, signed records, metering and statements, in memory."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from uuid import UUID

from csms.billing.pricer import Line
from csms.settlement.models import (
    Metering,
    MeterRecord,
    MeterSample,
    PricingTerms,
    SignedRecord,
    Statement,
    StatementStatus,
)
from csms.settlement.ports import SampleBatch
from tests.fakes.store import CheckViolation, SampleRow, Transaction, jsonb, stored


def insert_sample(
    tx: Transaction, batch: SampleBatch, session_id: UUID | None, sample: MeterSample
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING under the ``meter_samples_once`` index."""
    store = tx.store
    station_id, evse_id, transaction_id = batch.station_id, batch.evse_id, batch.transaction_id
    sample = stored(sample)
    # the meter_samples_once index of migration 010: the whole sample, NULLs not distinct
    key = (station_id, transaction_id, evse_id, *dataclasses.astuple(sample))
    if key in store.sample_keys:
        return False
    tx.require(store.sessions, session_id, "session")
    sample_id = store.next_id("meter_samples")
    row = SampleRow(sample_id, session_id, station_id, evse_id, transaction_id, sample)
    tx.put(store.samples, sample_id, row)
    tx.put(store.sample_keys, key, sample_id)
    return True


class FakeSampleRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add(self, batch: SampleBatch, session_id: UUID | None) -> int:
        """Store each sample once (a replay adds nothing); returns how many were given."""
        for sample in batch.samples:
            insert_sample(self._tx, batch, session_id, sample)
        return len(batch.samples)

    async def of_session(self, session_id: UUID) -> list[MeterSample]:
        rows = [row for row in self._tx.store.samples.values() if row.session_id == session_id]
        rows.sort(key=lambda row: (row.sample.sampled_at, row.sample_id))
        return [row.sample for row in rows]


class FakeMeterRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.meters

    async def upsert(self, meter: MeterRecord) -> None:
        """Insert or replace; a known public key is kept when the new record has none."""
        self._tx.require(self._tx.store.stations, meter.station_id, "station")
        current = self._rows.get(meter.serial)
        if current is not None and meter.public_key is None:
            meter = dataclasses.replace(meter, public_key=current.public_key)
        self._tx.put(self._rows, meter.serial, stored(meter))

    async def get(self, serial: str) -> MeterRecord | None:
        return self._rows.get(serial)

    async def meter_for(self, station_id: str, evse_id: int, at: datetime) -> MeterRecord | None:
        """The meter of the connector valid at ``at``; the latest ``valid_from`` wins."""
        valid = [
            m
            for m in self._rows.values()
            if (m.station_id, m.evse_id) == (station_id, evse_id)
            and (m.valid_from is None or m.valid_from <= at)
            and (m.valid_to is None or at <= m.valid_to)
        ]
        dated = [m for m in valid if m.valid_from is not None]
        if dated:
            return max(dated, key=lambda m: m.valid_from or at)
        return valid[0] if valid else None


class FakeSignedRecordRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.signed_records

    async def add(self, record: SignedRecord) -> bool:
        """False for the same text again from the same station and transaction."""
        key = (record.station_id, record.transaction_id or "", record.raw)
        if any((r.station_id, r.transaction_id or "", r.raw) == key for r in self._rows.values()):
            return False
        self._tx.require(self._tx.store.sessions, record.session_id, "session")
        record_id = self._tx.store.next_id("signed_records")
        kept = dataclasses.replace(record, record_id=record_id, received_at=self._tx.now())
        self._tx.put(self._rows, record_id, kept)
        return True

    async def of_session(self, session_id: UUID) -> list[SignedRecord]:
        records = [r for r in self._rows.values() if r.session_id == session_id]
        return sorted(records, key=lambda r: (r.received_at, r.record_id))

    async def link(self, station_id: str, transaction_id: str, session_id: UUID) -> None:
        """Records that came before their session was known now belong to it."""
        unlinked = [
            r
            for r in self._rows.values()
            if (r.station_id, r.transaction_id) == (station_id, transaction_id)
            and r.session_id is None
        ]
        if unlinked:
            self._tx.require(self._tx.store.sessions, session_id, "session")
        for record in unlinked:
            linked = dataclasses.replace(record, session_id=session_id)
            self._tx.put(self._rows, record.record_id, linked)


class FakeMeteringRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.metering

    async def save(self, session_id: UUID, metering: Metering) -> None:
        """Kept on the session row (a correction replaces it); no session, nothing kept."""
        if session_id not in self._tx.store.sessions:
            return
        energy = metering.energy_wh
        kept = dataclasses.replace(
            metering,
            energy_wh=Decimal(str(energy)) if energy is not None else None,
            meter=jsonb(metering.meter),
        )
        self._tx.put(self._rows, session_id, kept)

    async def of_session(self, session_id: UUID) -> Metering | None:
        return self._rows.get(session_id)


def _check_statement(statement: Statement) -> None:
    """The statements table's checks."""
    if (statement.corrects is None) != (statement.correction_reason is None):
        raise CheckViolation("a correction names what it corrects and why, an original neither")
    total = statement.total
    if (
        statement.status is StatementStatus.ISSUED
        and total is not None
        and total != total.to_integral_value(rounding=ROUND_DOWN)
    ):
        raise CheckViolation(f"an issued total is whole yen, not {total}")


class FakeStatementRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.statements

    async def add(self, statement: Statement) -> bool:
        """False for a second original of a session, or a second correction of a statement."""
        _check_statement(statement)
        if statement.statement_id in self._rows:
            return False
        for other in self._rows.values():
            if statement.corrects is None:
                if other.corrects is None and other.session_id == statement.session_id:
                    return False
            elif other.corrects == statement.corrects:
                return False
        self._tx.require(self._tx.store.sessions, statement.session_id, "session")
        self._tx.require(self._rows, statement.corrects, "statement")
        lines = tuple(
            Line(
                line.kind,
                Decimal(str(line.quantity)),
                line.unit,
                Decimal(str(line.unit_price)),
                Decimal(str(line.amount)),
            )
            for line in statement.lines
        )
        kept = dataclasses.replace(
            stored(statement), lines=lines, inputs=jsonb(statement.inputs), issued_at=self._tx.now()
        )
        self._tx.put(self._rows, statement.statement_id, kept)
        return True

    async def of_reservation(self, reservation_id: UUID) -> list[Statement]:
        statements = [s for s in self._rows.values() if s.reservation_id == reservation_id]
        return sorted(statements, key=lambda s: (s.issued_at, s.statement_id))

    async def of_session(self, session_id: UUID) -> list[Statement]:
        """The original first, then its corrections, in issue order."""
        statements = [s for s in self._rows.values() if s.session_id == session_id]
        return sorted(statements, key=lambda s: (s.issued_at, s.statement_id))


class FakePricingTermsReader:
    """A session's pricing terms as a test put them in ``store.pricing_terms``; else none."""

    def __init__(self, tx: Transaction) -> None:
        self._terms = tx.store.pricing_terms

    async def terms_of(
        self, session_id: UUID, id_token: str | None, station_id: str
    ) -> PricingTerms:
        return self._terms.get(session_id, PricingTerms())
