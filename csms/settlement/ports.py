"""Ports of settlement: meter samples, billing meters, signed records, metering, statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from csms.authorization.ports import VisitorsUnitOfWork
from csms.ports import EventRecorder
from csms.settlement.models import (
    Metering,
    MeterRecord,
    MeterSample,
    PricingTerms,
    SignedRecord,
    Statement,
)


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """The samples of one message, with where they were measured."""

    station_id: str
    evse_id: int | None
    transaction_id: str | None
    samples: Sequence[MeterSample]


class SampleRepository(Protocol):
    async def add(self, batch: SampleBatch, session_id: UUID | None) -> int: ...
    async def of_session(self, session_id: UUID) -> list[MeterSample]: ...


class SampleBatcher(Protocol):
    """Stores plain (unsigned) meter values in batches; returns once they are committed.

    Each sample is linked to the session of its station and transaction, if there is one.
    """

    async def add(self, batch: SampleBatch) -> None: ...


class MeterRepository(Protocol):
    async def upsert(self, meter: MeterRecord) -> None: ...
    async def get(self, serial: str) -> MeterRecord | None: ...
    async def meter_for(
        self, station_id: str, evse_id: int, at: datetime
    ) -> MeterRecord | None: ...


class SignedRecordRepository(Protocol):
    async def add(self, record: SignedRecord) -> bool: ...
    async def of_session(self, session_id: UUID) -> list[SignedRecord]: ...
    async def link(self, station_id: str, transaction_id: str, session_id: UUID) -> None: ...


class MeteringRepository(Protocol):
    """The metering decision of a finished session, stored once with it (billing.md §4)."""

    async def save(self, session_id: UUID, metering: Metering) -> None: ...
    async def of_session(self, session_id: UUID) -> Metering | None: ...


class StatementRepository(Protocol):
    async def add(self, statement: Statement) -> bool: ...
    async def of_session(self, session_id: UUID) -> list[Statement]: ...
    async def of_reservation(self, reservation_id: UUID) -> list[Statement]: ...


class PricingTermsReader(Protocol):
    """A finished session's membership price and reservation window, read at settlement."""

    async def terms_of(
        self, session_id: UUID, id_token: str | None, station_id: str
    ) -> PricingTerms: ...


class SettlementUnitOfWork(EventRecorder, Protocol):
    pricing_terms: PricingTermsReader
    samples: SampleRepository
    meters: MeterRepository
    signed_records: SignedRecordRepository
    metering: MeteringRepository
    statements: StatementRepository


class SettlementWithMailUnitOfWork(SettlementUnitOfWork, VisitorsUnitOfWork, Protocol):
    """Settling a visitor's session also writes their mail in the same transaction."""
