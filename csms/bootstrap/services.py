"""``build_services``: the capabilities wired to any unit of work and gateway (tests pass fakes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from csms.access.audited_gateway import AuditedGateway
from csms.access.service import AccessService
from csms.administration.service import AdminService
from csms.authorization.rule import AuthorizationPolicy, Authorizer
from csms.authorization.visitors import VisitorService
from csms.charging.app_sessions import AppSessionService
from csms.charging.corrections import StatementService
from csms.charging.lifecycle import ChargingLifecycle
from csms.charging.meter_values import MeterValues
from csms.charging.ports import UpdateBatcher
from csms.clock import Clock
from csms.settings import Settings
from csms.settlement.ports import SampleBatcher
from csms.settlement.tariffs import TariffCatalog
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


def _throttle(settings: Settings) -> FailureThrottle:
    """Failed handshakes: a lock-out per station id, a higher limit per address."""
    return FailureThrottle(
        settings.handshake_failure_limit,
        settings.handshake_failure_window_s,
        settings.handshake_failure_limit_per_address,
    )


def _station_service(
    settings: Settings, uow: Any, clock: Clock, rule: Authorizer, batches: GroupCommits
) -> StationService:
    """Boot, heartbeat, status and Authorize; boots admitted at a rate when one is set."""
    admission = None
    if settings.boot_accept_per_s:
        admission = BootAdmission(settings.boot_accept_per_s, clock)
    return StationService(
        uow,
        clock,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        rule=rule,
        admission=admission,
        heartbeat_jitter=settings.heartbeat_jitter,
        statuses=batches.statuses,
        presence=batches.presence,
    )


def _lifecycle(
    settings: Settings,
    uow: Any,
    clock: Clock,
    catalog: TariffCatalog,
    rule: Authorizer,
    updates: UpdateBatcher | None,
) -> ChargingLifecycle:
    """Transaction events; sessions of a rebooted station ended after the grace period."""
    return ChargingLifecycle(
        uow,
        clock,
        catalog,
        rule,
        interrupted_grace_s=settings.interrupted_grace_s,
        updates=updates,
    )


def build_services(
    settings: Settings,
    uow: Any,
    gateway: StationGateway,
    clock: Clock,
    catalog: TariffCatalog,
    *,
    batches: GroupCommits = GroupCommits(),
) -> Services:
    """Wire the capabilities; ``uow`` satisfies every capability's unit-of-work Protocol.

    Every command to a station goes through the audited ``gateway`` (csms.access).
    """
    access = AccessService(uow, clock)
    gateway = AuditedGateway(gateway, access, clock)
    rule = Authorizer(
        clock, AuthorizationPolicy(inactive_after_months=settings.account_inactivity_months)
    )
    local_lists = LocalListService(uow, clock, gateway, concurrency=settings.on_connect_concurrency)
    return Services(
        stations=_station_service(settings, uow, clock, rule, batches),
        security=StationSecurity(
            uow, auto_register=settings.auto_register_stations, throttle=_throttle(settings)
        ),
        lifecycle=_lifecycle(settings, uow, clock, catalog, rule, batches.updates),
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
    )
