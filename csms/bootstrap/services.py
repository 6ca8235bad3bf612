"""``build_services``: the capabilities wired to any unit of work and gateway (tests pass fakes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from csms.access.audited_gateway import AuditedGateway
from csms.access.service import AccessService
from csms.administration.closing import AccountClosing
from csms.administration.memberships import MembershipService
from csms.administration.ports import ReadModel
from csms.administration.receipts import ReceiptService
from csms.administration.service import AdminService
from csms.api.accounts import AccountClosingResource
from csms.api.cards import CardsResource
from csms.api.charging_profiles import ChargingProfilesResource
from csms.api.contracts import ContractsResource
from csms.api.price_display import PriceDisplayResource
from csms.api.receipts import ReceiptsResource
from csms.api.reservations import ReservationsResource
from csms.api.sites import SitesResource
from csms.authorization.rule import AuthorizationPolicy, Authorizer
from csms.authorization.visitors import VisitorService
from csms.charging.app_sessions import AppSessionService
from csms.charging.corrections import StatementService
from csms.charging.lifecycle import ChargingLifecycle
from csms.charging.meter_values import MeterValues
from csms.charging.ports import EndBatcher, StartBatcher, UpdateBatcher
from csms.charging.price_display import PriceDisplay
from csms.clock import Clock
from csms.contracts.service import ContractService
from csms.handlers.adapter import AdapterServices
from csms.reservations.clock import ReservationClock
from csms.reservations.outcomes import Suspension
from csms.reservations.reconcile import ReservationReconciler
from csms.reservations.service import ReservationService
from csms.reservations.station_side import StationSide
from csms.reservations.windows_open import WindowOpener
from csms.settings import Settings
from csms.settlement.ports import SampleBatcher
from csms.settlement.tariffs import TariffCatalog
from csms.smart_charging.power_sharing import PowerSharing
from csms.smart_charging.profiles import ProfileService
from csms.smart_charging.site_service import SiteService
from csms.station_commands.local_lists import LocalListService
from csms.station_commands.ports import StationGateway
from csms.stations.ports import Presence, StatusWriter
from csms.stations.security import FailureThrottle, StationSecurity
from csms.stations.service import BootAdmission, StationService


@dataclass(frozen=True)
class GroupCommits:
    """The writers that batch many stations' messages into one statement (none: each
    message in its own transaction, as the fakes of the tests do)."""

    samples: SampleBatcher | None = None
    updates: UpdateBatcher | None = None
    statuses: StatusWriter | None = None
    presence: Presence | None = None
    starts: StartBatcher | None = None
    ends: EndBatcher | None = None


@dataclass(frozen=True)
class Reservations:
    """Reservations (seed 002 第10-12条): the API's use cases, the server's clock for them and
    what stations report."""

    service: ReservationService
    clock: ReservationClock
    reconciler: ReservationReconciler
    closing: AccountClosing  # no closing an account with a confirmed reservation (第7条)


def _reservations(
    settings: Settings, uow: Any, clock: Clock, gateway: StationGateway
) -> Reservations:
    opener = WindowOpener(
        uow, StationSide(gateway), lead=timedelta(seconds=settings.reservation_lead_s)
    )
    suspension = Suspension(
        settings.reservation_suspend_after, settings.reservation_suspend_window_days
    )
    return Reservations(
        service=ReservationService(uow, clock, opener, suspension=suspension),
        clock=ReservationClock(
            uow,
            clock,
            opener,
            suspension,
            grace=timedelta(seconds=settings.reservation_end_grace_s),
        ),
        reconciler=ReservationReconciler(uow, opener, clock),
        closing=AccountClosing(uow),
    )


def _sites_and_contracts(uow: Any, clock: Clock, gateway: StationGateway) -> dict[str, Any]:
    """Smart charging's sites and power sharing, and the monthly contracts."""
    sharing = PowerSharing(uow, gateway, clock)
    return {
        "sharing": sharing,
        "sites": SiteService(uow, clock, sharing),
        "contracts": ContractService(uow),
        "clock": clock,
    }


@dataclass
class Services:
    """Every capability's entry point, wired to one unit of work and one gateway."""

    stations: StationService
    security: StationSecurity
    lifecycle: ChargingLifecycle
    meter_values: MeterValues
    local_lists: LocalListService
    admin: AdminService
    visitors: VisitorService
    app_sessions: AppSessionService
    statements: StatementService
    access: AccessService
    gateway: StationGateway  # every command through it is audited
    reservations: Reservations
    prices: PriceDisplay  # the price on the charger's screen
    profiles: ProfileService  # charging profiles on both versions
    sharing: PowerSharing  # the allocator's grants pushed as TxProfiles
    sites: SiteService
    contracts: ContractService  # monthly contracts (seed 003, 001)
    clock: Clock

    def api_resources(self, read_model: ReadModel) -> tuple[Any, ...]:
        """The API resources of reservations, account closing and the price display."""
        return (
            ReservationsResource(self.reservations.service),
            AccountClosingResource(self.reservations.closing),
            PriceDisplayResource(self.prices, read_model),
            ChargingProfilesResource(self.profiles),
            SitesResource(self.sites),
            ReceiptsResource(self.receipts),
            ContractsResource(self.contracts, self.clock),
            CardsResource(read_model),
        )

    def adapter_services(self) -> AdapterServices:
        """What each station connection's adapter calls."""
        return AdapterServices(
            self.stations,
            self.lifecycle,
            self.meter_values,
            self.local_lists,
            reservations=self.reservations.reconciler,
            prices=self.prices,
            profiles=self.profiles,
        )

    memberships: MembershipService  # special prices for chosen members (seed 002 第13条)
    receipts: ReceiptService  # receipts from the operator's registered details (002 第19条)


@dataclass(frozen=True)
class NodePlace:
    """Which node this is and its part of the cluster's limits (docs/cluster.md); one node
    alone: no id, the whole of every limit."""

    node_id: str | None = None
    share: Callable[[], float] | None = None


def _security(settings: Settings, uow: Any, node: NodePlace) -> StationSecurity:
    """The handshake rule; failed handshakes: a lock-out per station id, a higher limit per
    address (this node's share of them)."""
    throttle = FailureThrottle(
        settings.handshake_failure_limit,
        settings.handshake_failure_window_s,
        settings.handshake_failure_limit_per_address,
        share=node.share,
    )
    return StationSecurity(uow, auto_register=settings.auto_register_stations, throttle=throttle)


def _station_service(
    settings: Settings,
    uow: Any,
    clock: Clock,
    rule: Authorizer,
    batches: GroupCommits,
    node: NodePlace,
) -> StationService:
    """Boot, heartbeat, status and Authorize; boots admitted at a rate when one is set."""
    admission = None
    if settings.boot_accept_per_s:
        admission = BootAdmission(settings.boot_accept_per_s, clock, node.share)
    return StationService(
        uow,
        clock,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        rule=rule,
        admission=admission,
        heartbeat_jitter=settings.heartbeat_jitter,
        statuses=batches.statuses,
        presence=batches.presence,
        node_id=node.node_id,
    )


def _lifecycle(
    settings: Settings,
    uow: Any,
    clock: Clock,
    catalog: TariffCatalog,
    rule: Authorizer,
    batches: GroupCommits,
) -> ChargingLifecycle:
    """Transaction events; sessions of a rebooted station ended after the grace period."""
    return ChargingLifecycle(
        uow,
        clock,
        catalog,
        rule,
        interrupted_grace_s=settings.interrupted_grace_s,
        updates=batches.updates,
        starts=batches.starts,
        ends=batches.ends,
    )


def _operator_terms(uow: Any) -> dict[str, Any]:
    """Member prices (002 第13条) and receipts from the registered details (第19条)."""
    return {"memberships": MembershipService(uow), "receipts": ReceiptService(uow)}


def build_services(
    settings: Settings,
    uow: Any,
    gateway: StationGateway,
    clock: Clock,
    catalog: TariffCatalog,
    *,
    batches: GroupCommits = GroupCommits(),
    node: NodePlace = NodePlace(),
) -> Services:
    """Wire the capabilities; ``uow`` satisfies every capability's unit-of-work Protocol.

    Every command to a station goes through the audited ``gateway`` (csms.access).
    """
    access = AccessService(uow, clock)
    screens = gateway  # what a charger's screen shows is not an operator's command: not audited
    gateway = AuditedGateway(gateway, access, clock)
    rule = Authorizer(clock, AuthorizationPolicy(settings.account_inactivity_months))
    local_lists = LocalListService(uow, clock, gateway, concurrency=settings.on_connect_concurrency)
    return Services(
        stations=_station_service(settings, uow, clock, rule, batches, node),
        security=_security(settings, uow, node),
        lifecycle=_lifecycle(settings, uow, clock, catalog, rule, batches),
        meter_values=MeterValues(uow, batches.samples),
        local_lists=local_lists,
        admin=AdminService(uow, local_lists),
        visitors=VisitorService(
            uow, clock, password_ttl=timedelta(seconds=settings.visitor_password_ttl_s)
        ),
        app_sessions=AppSessionService(uow, clock, gateway, rule),
        statements=StatementService(uow, catalog),
        access=access,
        gateway=gateway,
        **_operator_terms(uow),
        reservations=_reservations(settings, uow, clock, gateway),
        prices=PriceDisplay(uow, clock, catalog, screens, interval_s=settings.cost_interval_s),
        profiles=ProfileService(uow, gateway),
        **_sites_and_contracts(uow, clock, gateway),
    )
