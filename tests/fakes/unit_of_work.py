"""The in-memory unit of work: every repository over one transaction, and its provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from csms.access.ports import ApiKeyRepository, AppTokenRepository, AuditRepository
from csms.administration.ports import MembershipRepository
from csms.authorization.ports import (
    AccountRepository,
    MailOutbox,
    StandRepository,
    TokenRepository,
    VisitorPasswordRepository,
    VisitorRepository,
)
from csms.charging.ports import (
    RemoteStartRepository,
    ReservationUse,
    SessionRepository,
    TransactionLog,
)
from csms.charging.price_display import DisplaySettings, DisplaySettingsRepository
from csms.events import DomainEvent
from csms.settlement.ports import (
    MeteringRepository,
    MeterRepository,
    PricingTermsReader,
    SampleRepository,
    SignedRecordRepository,
    StatementRepository,
)
from csms.station_commands.ports import LocalListRepository, StationListRepository
from csms.stations.ports import ConnectorRepository, StationEventRepository, StationRepository
from tests.fakes.access import (
    FakeApiKeyRepository,
    FakeAppTokenRepository,
    FakeAuditRepository,
)
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
    FakeReservationUse,
    FakeSessionRepository,
    FakeTransactionLog,
)
from tests.fakes.memberships import FakeMembershipRepository
from tests.fakes.settlement import (
    FakeMeteringRepository,
    FakeMeterRepository,
    FakePricingTermsReader,
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


class FakeDisplaySettings:
    """The stations' screens (charging.price_display): the defaults until saved."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def display_of(self, station_id: str) -> DisplaySettings:
        return self._tx.store.display_settings.get(station_id, DisplaySettings())

    async def save(self, station_id: str, settings: DisplaySettings) -> None:
        self._tx.put(self._tx.store.display_settings, station_id, settings)


class InMemoryUnitOfWork:
    """Satisfies every capability's unit-of-work Protocol, like the PostgreSQL one."""

    def __init__(self, tx: Transaction) -> None:
        self.stations: StationRepository = FakeStationRepository(tx)
        self.connectors: ConnectorRepository = FakeConnectorRepository(tx)
        self.station_events: StationEventRepository = FakeStationEventRepository(tx)
        self.tokens: TokenRepository = FakeTokenRepository(tx)
        self.accounts: AccountRepository = FakeAccountRepository(tx)
        self.stands: StandRepository = FakeStandRepository(tx)
        self.visitors: VisitorRepository = FakeVisitorRepository(tx)
        self.visitor_passwords: VisitorPasswordRepository = FakeVisitorPasswordRepository(tx)
        self.mail: MailOutbox = FakeMailOutbox(tx)
        self.local_lists: LocalListRepository = FakeLocalListRepository(tx)
        self.station_lists: StationListRepository = FakeStationListRepository(tx)
        self.samples: SampleRepository = FakeSampleRepository(tx)
        self.meters: MeterRepository = FakeMeterRepository(tx)
        self.signed_records: SignedRecordRepository = FakeSignedRecordRepository(tx)
        self.metering: MeteringRepository = FakeMeteringRepository(tx)
        self.statements: StatementRepository = FakeStatementRepository(tx)
        self.pricing_terms: PricingTermsReader = FakePricingTermsReader(tx)
        self.memberships: MembershipRepository = FakeMembershipRepository(tx)
        self.sessions: SessionRepository = FakeSessionRepository(tx)
        self.transaction_log: TransactionLog = FakeTransactionLog(tx)
        self.remote_starts: RemoteStartRepository = FakeRemoteStartRepository(tx)
        self.reservations: ReservationUse = FakeReservationUse(tx)
        self.api_keys: ApiKeyRepository = FakeApiKeyRepository(tx)
        self.app_tokens: AppTokenRepository = FakeAppTokenRepository(tx)
        self.audit: AuditRepository = FakeAuditRepository(tx)
        self.price_display: DisplaySettingsRepository = FakeDisplaySettings(tx)
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
