"""One repository contract, two backends: the in-memory fakes and PostgreSQL (style.md §11).

Every test here takes ``uow_provider`` (or ``backend``), parametrized over ``fake`` and
``postgres``, and runs the same body against both; ``-k fake`` runs the fake side only.
PostgreSQL is the session's migrated database, shared by every test: ids are random
(``tests.conftest.unique``) instead of cleaned up. What no port reads back (sequence-number
gaps, connector status, station events, the outbox) is read through a ``Probe``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import asyncpg
import pytest

from csms.administration.ports import AdministrationUnitOfWork, MembershipsUnitOfWork
from csms.authorization.ports import VisitorsUnitOfWork
from csms.charging.ports import ChargingUnitOfWork, EndBatcher, StartBatcher, UpdateBatcher
from csms.events import DomainEvent, from_payload
from csms.ports import EventOutbox, MailQueue, UnitOfWorkProvider
from csms.settlement.ports import SampleBatcher
from csms.station_commands.ports import LocalListsUnitOfWork
from csms.stations.ports import StationsUnitOfWork
from tests.fakes import (
    FakeEndBatcher,
    FakeEventOutbox,
    FakeMailQueue,
    FakeSampleBatcher,
    FakeStartBatcher,
    FakeUpdateBatcher,
    InMemoryStore,
    InMemoryUnitOfWorkProvider,
    IntegrityViolation,
)


class UnitOfWork(
    ChargingUnitOfWork,
    StationsUnitOfWork,
    VisitorsUnitOfWork,
    LocalListsUnitOfWork,
    AdministrationUnitOfWork,
    MembershipsUnitOfWork,
    Protocol,
):
    """Every capability's unit of work at once: what both backends provide."""


Provider = UnitOfWorkProvider[UnitOfWork]

# What either backend raises for a write the schema refuses.
REFUSED = (IntegrityViolation, asyncpg.IntegrityConstraintViolationError)


def postgres_adapters(
    pool: asyncpg.Pool,
) -> tuple[Provider, SampleBatcher, EventOutbox, MailQueue]:
    """The PostgreSQL unit-of-work provider, sample batcher, event outbox and mail queue."""
    from csms.storage.postgres import (
        PostgresEventOutbox,
        PostgresMailQueue,
        PostgresSampleBatcher,
        PostgresUnitOfWorkProvider,
    )

    return (
        PostgresUnitOfWorkProvider(pool),
        PostgresSampleBatcher(pool, max_wait_s=0.001),
        PostgresEventOutbox(pool),
        PostgresMailQueue(pool),
    )


class Probe(Protocol):
    """Reads of stored rows that no port offers."""

    async def seq_no_gaps(self, station_id: str, transaction_id: str) -> list[int]: ...
    async def connector(
        self, station_id: str, evse_id: int, connector_id: int
    ) -> tuple[str, datetime] | None: ...
    async def station_events(self, station_id: str) -> list[tuple[str, Any]]: ...
    async def unmatched_stop(
        self, station_id: str, transaction_id: str
    ) -> tuple[Decimal | None, str | None, Any] | None: ...
    async def events_of(self, station_id: str) -> list[DomainEvent]: ...


class FakeProbe:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def seq_no_gaps(self, station_id: str, transaction_id: str) -> list[int]:
        return sorted(
            gap
            for (sid, tid, gap) in self._store.seq_no_gaps
            if (sid, tid) == (station_id, transaction_id)
        )

    async def connector(
        self, station_id: str, evse_id: int, connector_id: int
    ) -> tuple[str, datetime] | None:
        status = self._store.connectors.get((station_id, evse_id, connector_id))
        return (status.status, status.status_at) if status else None

    async def station_events(self, station_id: str) -> list[tuple[str, Any]]:
        return [
            (event.kind, event.payload)
            for _, event in sorted(self._store.station_events.items())
            if event.station_id == station_id
        ]

    async def unmatched_stop(
        self, station_id: str, transaction_id: str
    ) -> tuple[Decimal | None, str | None, Any] | None:
        stop = self._store.unmatched_stops.get((station_id, transaction_id))
        return (stop.meter_stop_wh, stop.reason, stop.details) if stop else None

    async def events_of(self, station_id: str) -> list[DomainEvent]:
        return [event for event in self._store.events if event.station_id == station_id]


class PostgresProbe:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def seq_no_gaps(self, station_id: str, transaction_id: str) -> list[int]:
        rows = await self._pool.fetch(
            "SELECT missing_seq_no FROM seq_no_gaps"
            " WHERE station_id = $1 AND transaction_id = $2 ORDER BY missing_seq_no",
            station_id,
            transaction_id,
        )
        return [row["missing_seq_no"] for row in rows]

    async def connector(
        self, station_id: str, evse_id: int, connector_id: int
    ) -> tuple[str, datetime] | None:
        row = await self._pool.fetchrow(
            "SELECT status, status_at FROM connectors"
            " WHERE station_id = $1 AND evse_id = $2 AND connector_id = $3",
            station_id,
            evse_id,
            connector_id,
        )
        return (row["status"], row["status_at"]) if row else None

    async def station_events(self, station_id: str) -> list[tuple[str, Any]]:
        rows = await self._pool.fetch(
            "SELECT kind, payload FROM station_events WHERE station_id = $1 ORDER BY event_id",
            station_id,
        )
        return [(row["kind"], row["payload"]) for row in rows]

    async def unmatched_stop(
        self, station_id: str, transaction_id: str
    ) -> tuple[Decimal | None, str | None, Any] | None:
        row = await self._pool.fetchrow(
            "SELECT meter_stop_wh, reason, details FROM unmatched_stops"
            " WHERE station_id = $1 AND transaction_id = $2",
            station_id,
            transaction_id,
        )
        return (row["meter_stop_wh"], row["reason"], row["details"]) if row else None

    async def events_of(self, station_id: str) -> list[DomainEvent]:
        rows = await self._pool.fetch(
            "SELECT kind, payload FROM outbox_events WHERE station_id = $1 ORDER BY event_id",
            station_id,
        )
        return [from_payload(row["kind"], row["payload"]) for row in rows]


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    provider: Provider
    batcher: SampleBatcher
    outbox: EventOutbox
    mail: MailQueue
    probe: Probe
    updates: UpdateBatcher
    starts: StartBatcher
    ends: EndBatcher


@pytest.fixture(scope="session")
async def contract_pool(migrated_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    from csms.storage.pool import create_pool

    pool = await create_pool(migrated_dsn, 4)
    yield pool
    await pool.close()


@pytest.fixture(params=["fake", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """A fresh in-memory store, or the shared PostgreSQL."""
    if request.param == "fake":
        store = InMemoryStore()
        return Backend(
            "fake",
            InMemoryUnitOfWorkProvider(store),
            FakeSampleBatcher(store),
            FakeEventOutbox(store),
            FakeMailQueue(store),
            FakeProbe(store),
            FakeUpdateBatcher(store),
            FakeStartBatcher(store),
            FakeEndBatcher(store),
        )
    pool: asyncpg.Pool = request.getfixturevalue("contract_pool")
    provider, batcher, outbox, mail = postgres_adapters(pool)
    from csms.storage.end_batcher import PostgresEndBatcher
    from csms.storage.start_batcher import PostgresStartBatcher
    from csms.storage.update_batcher import PostgresUpdateBatcher

    updates = PostgresUpdateBatcher(pool, max_wait_s=0.001)
    starts = PostgresStartBatcher(pool, max_wait_s=0.001)
    ends = PostgresEndBatcher(pool, max_wait_s=0.001)
    probe = PostgresProbe(pool)
    return Backend("postgres", provider, batcher, outbox, mail, probe, updates, starts, ends)


@pytest.fixture
def uow_provider(backend: Backend) -> Provider:
    return backend.provider
