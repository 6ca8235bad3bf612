"""The in-memory unit of work: every repository over one transaction, and its provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from csms.events import DomainEvent
from tests.fakes.authorization import (
    FakeAccountRepository,
    FakeMailOutbox,
    FakeStandRepository,
    FakeTokenRepository,
    FakeVisitorPasswordRepository,
    FakeVisitorRepository,
)
from tests.fakes.charging import (
    FakeRemoteStartRepository,
    FakeSessionRepository,
    FakeTransactionLog,
)
from tests.fakes.settlement import (
    FakeMeteringRepository,
    FakeMeterRepository,
    FakeSampleRepository,
    FakeSignedRecordRepository,
    FakeStatementRepository,
)
from tests.fakes.station_commands import FakeLocalListRepository, FakeStationListRepository
from tests.fakes.stations import (
    FakeConnectorRepository,
    FakeStationEventRepository,
    FakeStationRepository,
)
from tests.fakes.store import InMemoryStore, Transaction


class InMemoryUnitOfWork:
    """Satisfies every capability's unit-of-work Protocol, like the PostgreSQL one."""

    def __init__(self, tx: Transaction) -> None:
        self.stations = FakeStationRepository(tx)
        self.connectors = FakeConnectorRepository(tx)
        self.station_events = FakeStationEventRepository(tx)
        self.tokens = FakeTokenRepository(tx)
        self.accounts = FakeAccountRepository(tx)
        self.stands = FakeStandRepository(tx)
        self.visitors = FakeVisitorRepository(tx)
        self.visitor_passwords = FakeVisitorPasswordRepository(tx)
        self.mail = FakeMailOutbox(tx)
        self.local_lists = FakeLocalListRepository(tx)
        self.station_lists = FakeStationListRepository(tx)
        self.samples = FakeSampleRepository(tx)
        self.meters = FakeMeterRepository(tx)
        self.signed_records = FakeSignedRecordRepository(tx)
        self.metering = FakeMeteringRepository(tx)
        self.statements = FakeStatementRepository(tx)
        self.sessions = FakeSessionRepository(tx)
        self.transaction_log = FakeTransactionLog(tx)
        self.remote_starts = FakeRemoteStartRepository(tx)
        self._recorded: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        """Kept with the transaction: published to ``store.events`` only if it commits."""
        self._recorded.append(event)


class InMemoryUnitOfWorkProvider:
    """``async with provider() as uow:``; a body that raises leaves no trace in ``store``.

    ``provider(atomic=False)`` keeps each write as it happens (as PostgreSQL without
    BEGIN/COMMIT does); its events are published only after a clean exit as well.
    """

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store if store is not None else InMemoryStore()

    @asynccontextmanager
    async def __call__(self, *, atomic: bool = True) -> AsyncIterator[InMemoryUnitOfWork]:
        tx = Transaction(self.store, atomic=atomic)
        uow = InMemoryUnitOfWork(tx)
        try:
            yield uow
        except BaseException:
            tx.rollback()
            raise
        self.store.publish(uow._recorded)
