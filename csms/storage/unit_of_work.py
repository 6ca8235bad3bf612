"""The PostgreSQL unit of work: one connection, one transaction, every repository on it.

It satisfies each capability's unit-of-work Protocol structurally (style.md §7): each
attribute is typed as its port (``_Lazy[SessionRepository]``), so mypy also checks that every
repository class satisfies its port. The repositories are made on first use (a use case
touches two or three of the twenty-two), and the events recorded during the use case are
written to the outbox in one statement just before COMMIT; nothing is written when none were
recorded, or when the use case fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar, overload

import asyncpg

from csms.access.ports import ApiKeyRepository, AppTokenRepository, AuditRepository
from csms.administration.ports import MembershipRepository
from csms.administration.receipts import OperatorDetailsRepository
from csms.authorization.ports import (
    AccountRepository,
    MailOutbox,
    StandRepository,
    TokenRepository,
    VisitorPasswordRepository,
    VisitorRepository,
)
from csms.charging.ports import RemoteStartRepository, SessionRepository, TransactionLog
from csms.charging.price_display import DisplaySettingsRepository
from csms.contracts.ports import ContractRepository
from csms.events import DomainEvent
from csms.invoicing.ports import InvoiceRepository, PaymentRepository
from csms.reservations.ports import ReservationAccounts, ReservationRepository
from csms.settlement.ports import (
    MeteringRepository,
    MeterRepository,
    PricingTermsReader,
    SampleRepository,
    SignedRecordRepository,
    StatementRepository,
)
from csms.smart_charging.ports import ProfileRepository
from csms.smart_charging.sites_ports import SiteRepository
from csms.station_commands.ports import LocalListRepository, StationListRepository
from csms.stations.ports import ConnectorRepository, StationEventRepository, StationRepository
from csms.storage.access import (
    PostgresApiKeyRepository,
    PostgresAppTokenRepository,
    PostgresAuditRepository,
)
from csms.storage.accounts import PostgresAccountRepository
from csms.storage.charging_profiles import PostgresProfileRepository
from csms.storage.connectors import PostgresConnectorRepository
from csms.storage.contracts import PostgresContractRepository
from csms.storage.events_outbox import write_events
from csms.storage.invoices import PostgresInvoiceRepository
from csms.storage.local_lists import PostgresLocalListRepository, PostgresStationListRepository
from csms.storage.mail import PostgresMailOutbox
from csms.storage.memberships import PostgresMembershipRepository
from csms.storage.metering import PostgresMeteringRepository
from csms.storage.meters import PostgresMeterRepository
from csms.storage.operator_details import PostgresOperatorDetailsRepository
from csms.storage.payments import PostgresPaymentRepository
from csms.storage.price_display import PostgresDisplaySettings
from csms.storage.pricing_terms import PostgresPricingTermsReader
from csms.storage.remote_starts import PostgresRemoteStartRepository
from csms.storage.reservation_accounts import PostgresReservationAccounts
from csms.storage.reservations import PostgresReservationRepository
from csms.storage.samples import PostgresSampleRepository
from csms.storage.sessions import PostgresSessionRepository
from csms.storage.signed_records import PostgresSignedRecordRepository
from csms.storage.sites import PostgresSiteRepository
from csms.storage.stands import PostgresStandRepository
from csms.storage.statements import PostgresStatementRepository
from csms.storage.station_events import PostgresStationEventRepository
from csms.storage.stations import PostgresStationRepository
from csms.storage.tokens import PostgresTokenRepository
from csms.storage.transaction_log import PostgresTransactionLog
from csms.storage.visitors import PostgresVisitorPasswordRepository, PostgresVisitorRepository

R = TypeVar("R")


class _Lazy(Generic[R]):
    """A repository attribute made on first access, then kept in the instance's dict."""

    def __init__(self, make: Callable[[asyncpg.Connection], R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type[Any]) -> _Lazy[R]: ...
    @overload
    def __get__(self, uow: PostgresUnitOfWork, owner: type[Any]) -> R: ...
    def __get__(self, uow: PostgresUnitOfWork | None, owner: type[Any]) -> R | _Lazy[R]:
        if uow is None:
            return self
        repository = uow.__dict__[self._name] = self._make(uow._conn)
        return repository


class PostgresUnitOfWork:
    """The repositories of one unit of work, and the events it recorded."""

    stations = _Lazy[StationRepository](PostgresStationRepository)
    connectors = _Lazy[ConnectorRepository](PostgresConnectorRepository)
    station_events = _Lazy[StationEventRepository](PostgresStationEventRepository)
    tokens = _Lazy[TokenRepository](PostgresTokenRepository)
    accounts = _Lazy[AccountRepository](PostgresAccountRepository)
    stands = _Lazy[StandRepository](PostgresStandRepository)
    visitors = _Lazy[VisitorRepository](PostgresVisitorRepository)
    visitor_passwords = _Lazy[VisitorPasswordRepository](PostgresVisitorPasswordRepository)
    mail = _Lazy[MailOutbox](PostgresMailOutbox)
    local_lists = _Lazy[LocalListRepository](PostgresLocalListRepository)
    station_lists = _Lazy[StationListRepository](PostgresStationListRepository)
    samples = _Lazy[SampleRepository](PostgresSampleRepository)
    meters = _Lazy[MeterRepository](PostgresMeterRepository)
    signed_records = _Lazy[SignedRecordRepository](PostgresSignedRecordRepository)
    metering = _Lazy[MeteringRepository](PostgresMeteringRepository)
    statements = _Lazy[StatementRepository](PostgresStatementRepository)
    pricing_terms = _Lazy[PricingTermsReader](PostgresPricingTermsReader)
    price_display = _Lazy[DisplaySettingsRepository](PostgresDisplaySettings)
    charging_profiles = _Lazy[ProfileRepository](PostgresProfileRepository)
    sites = _Lazy[SiteRepository](PostgresSiteRepository)
    contracts = _Lazy[ContractRepository](PostgresContractRepository)
    invoices = _Lazy[InvoiceRepository](PostgresInvoiceRepository)
    payments = _Lazy[PaymentRepository](PostgresPaymentRepository)
    memberships = _Lazy[MembershipRepository](PostgresMembershipRepository)
    operator_details = _Lazy[OperatorDetailsRepository](PostgresOperatorDetailsRepository)
    sessions = _Lazy[SessionRepository](PostgresSessionRepository)
    transaction_log = _Lazy[TransactionLog](PostgresTransactionLog)
    remote_starts = _Lazy[RemoteStartRepository](PostgresRemoteStartRepository)
    reservations = _Lazy[ReservationRepository](PostgresReservationRepository)
    reservation_accounts = _Lazy[ReservationAccounts](PostgresReservationAccounts)
    api_keys = _Lazy[ApiKeyRepository](PostgresApiKeyRepository)
    app_tokens = _Lazy[AppTokenRepository](PostgresAppTokenRepository)
    audit = _Lazy[AuditRepository](PostgresAuditRepository)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        """Keep the event; it is written to the outbox with the unit of work."""
        self._events.append(event)

    async def write_events(self) -> list[tuple[int, DomainEvent]]:
        """Write the recorded events in one statement (none: no statement at all)."""
        if not self._events:
            return []
        events, self._events = self._events, []
        return await write_events(self._conn, events)


class PostgresUnitOfWorkProvider:
    """``async with provider() as uow:`` commits on a clean exit, rolls back on an error.

    With ``atomic=False`` there is no transaction: each statement commits on its own and the
    recorded events are written by one more statement after the use case, so a crash between
    the two can lose those events (the use cases that run so record at most a boot or a
    local-list outcome: facts a station repeats).
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        on_commit: Callable[[list[tuple[int, DomainEvent]]], None] | None = None,
    ) -> None:
        self._pool = pool
        self._on_commit = on_commit

    @asynccontextmanager
    async def __call__(self, *, atomic: bool = True) -> AsyncIterator[PostgresUnitOfWork]:
        async with self._pool.acquire() as conn:
            uow = PostgresUnitOfWork(conn)
            if not atomic:  # each statement commits on its own: two round trips saved
                yield uow
                committed = await uow.write_events()
            else:
                async with conn.transaction():
                    yield uow
                    committed = await uow.write_events()
        if committed and self._on_commit is not None:
            self._on_commit(committed)  # the relay: subscribers see them before the answer
