"""``CentralSystem``: the database, the event relay, the OCPP server and the HTTP API in one
event loop (``async with CentralSystem(settings) as cs: ...``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any

import structlog
from starlette.applications import Starlette

from csms.access.service import AccessService
from csms.administration.service import AdminService
from csms.api.app import create_app
from csms.api.cluster import ClusterResource, SingleNode
from csms.api.metrics import create_metrics_app
from csms.api.public import PublicLimits, create_public_app
from csms.api.visitor_pages import VisitorPages
from csms.authorization.visitors import VisitorService
from csms.bootstrap.cluster import dead_nodes_cleaner, join_cluster, node_place, once_per_cluster
from csms.bootstrap.console import build_console
from csms.bootstrap.database import Database, open_database
from csms.bootstrap.database_watch import database_watch
from csms.bootstrap.group_commits import start_group_commits
from csms.bootstrap.http_listener import HttpListener
from csms.bootstrap.invoicing import Invoicing, build_invoicing
from csms.bootstrap.relay import start_relay
from csms.bootstrap.server_options import server_options
from csms.bootstrap.services import Services, build_services
from csms.bootstrap.tariffs import open_tariffs, read_seed, refresh_failed, stand_price
from csms.charging.app_sessions import AppSessionService
from csms.clock import Clock, SystemClock
from csms.cluster.node import ClusterNode
from csms.handlers.gateway import LocalGateway
from csms.handlers.registry import ConnectionRegistry
from csms.handlers.server import OcppServer
from csms.observability import REGISTRY, name_node, node_registry
from csms.settings import Settings
from csms.settlement.tariff_admin import TariffBook
from csms.station_commands.ports import StationGateway
from csms.storage.pool import DATABASE_UNAVAILABLE
from csms.storage.read_model import PostgresReadModel
from csms.storage.unit_of_work import PostgresUnitOfWorkProvider
from csms.workers.relay import EventRelay
from csms.workers.smart_charging import SmartChargingLoop

log = structlog.get_logger(__name__)


class CentralSystem:
    """The running central system: ``async with CentralSystem(settings) as cs: ...``."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._stack = contextlib.AsyncExitStack()
        self.database: Database | None = None
        self.ocpp: OcppServer | None = None
        self.admin: AdminService | None = None
        self.access: AccessService | None = None
        self.api_app: Starlette | None = None  # its routes: the access tests walk them
        self.visitors: VisitorService | None = None
        self.app_sessions: AppSessionService | None = None
        self.tariffs: TariffBook | None = None  # stored tariffs; .catalog prices sessions
        self.invoicing: Invoicing  # contracts' invoices and payments (seed 003, 001)
        self._api: HttpListener | None = None
        self._public: HttpListener | None = None  # the visitors' own listener (seed 000)
        self._metrics: HttpListener | None = None  # only with a metrics_port of its own
        self.cluster: ClusterNode | None = None  # with a nats_url: one node of several

    @property
    def ocpp_port(self) -> int:
        assert self.ocpp is not None
        return self.ocpp.port

    @property
    def api_port(self) -> int:
        assert self._api is not None
        return self._api.port

    @property
    def public_port(self) -> int:
        """The public listener's port (the visitor registration page's backend)."""
        assert self._public is not None
        return self._public.port

    @property
    def metrics_port(self) -> int:
        """``/metrics``' own port, or the API's when it has none."""
        return self._metrics.port if self._metrics is not None else self.api_port

    async def __aenter__(self) -> CentralSystem:
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def _start(self) -> None:
        settings = self.settings
        name_node(settings.node_id)
        seed = read_seed(settings)  # first: a bad tariff file stops start-up before anything runs
        self.database = await self._stack.enter_async_context(open_database(settings))
        pool = self.database.pool
        self.tariffs = await open_tariffs(pool, seed, settings)
        self._start_task(self.tariffs.watch(settings.tariff_refresh_s, refresh_failed), "tariffs")
        self.cluster = cluster = await join_cluster(settings, self._stack)
        relay = await start_relay(pool, cluster, self._stack)
        registry = ConnectionRegistry()
        gateway = await self._gateway(LocalGateway(registry, settings.ocpp_command_queue_limit))
        uow = PostgresUnitOfWorkProvider(pool, on_commit=relay.publish)
        services = build_services(
            settings,
            uow,
            gateway,
            self.clock,
            self.tariffs.catalog,
            batches=start_group_commits(pool, settings, self._stack, relay.publish),
            node=node_place(settings, cluster),
        )
        self.admin, self.visitors = services.admin, services.visitors
        self.invoicing = build_invoicing(settings, pool, uow, self.clock, services.contracts)
        self.access, self.app_sessions = services.access, services.app_sessions
        stale = await services.stations.reset_connections(cluster.others() if cluster else ())
        self.ocpp = OcppServer(
            server_options(settings),
            services.adapter_services(),
            services.security,
            registry,
            cluster.ownership if cluster is not None else None,
        )
        await self.ocpp.start()
        self._stack.push_async_callback(self.ocpp.stop)
        view = cluster or SingleNode(settings.node_id, lambda: len(registry))
        await self._start_api(PostgresReadModel(pool), services, ClusterResource(view))
        await self._start_public(services.visitors)
        await self._start_workers(self.database, services, relay)
        self._log_started(stale)

    async def _gateway(self, local: LocalGateway) -> StationGateway:
        """This node's connections, or (several nodes) every node's over NATS."""
        if self.cluster is None:
            return local
        timeouts = (self.settings.ocpp_call_timeout_s, self.settings.cluster_request_timeout_s)
        return await self.cluster.bind(local, self._give_up, *timeouts)

    async def _give_up(
        self, station_id: str, then: Callable[[], Awaitable[None]], keep: Callable[[], bool]
    ) -> None:
        """Another node takes the station (csms.cluster): its socket here is closed."""
        if self.ocpp is None:
            return await then()
        return await self.ocpp.give_up(station_id, then, keep)

    async def _start_workers(
        self, database: Database, services: Services, relay: EventRelay
    ) -> None:
        """The database watch on every node; mail, stale sessions, reservations' and
        invoices' clocks and power sharing once per cluster (by its leader; alone: here)."""
        settings = self.settings
        sharing = SmartChargingLoop(services.sharing, settings.smart_charging_interval_s)
        relay.subscribe(sharing.on_event)
        jobs = once_per_cluster(
            settings, database.pool, services, self.invoicing, sharing, self.clock
        )
        others = self.cluster.others if self.cluster is not None else None
        assert self.ocpp is not None
        watch, ping = database_watch(settings, database, services.stations, self.ocpp, others)
        self._stack.push_async_callback(ping.close)
        self._start_task(watch.run(), "database-watch")
        if self.cluster is None:
            for job, name in jobs:
                self._start_task(job(), name)
            return
        self.cluster.events.subscribers.append(sharing.on_event)
        self.cluster.directory.cleaner = dead_nodes_cleaner(services.stations)
        self.cluster.run(lambda: [asyncio.create_task(job(), name=n) for job, n in jobs])
        self._stack.push_async_callback(self.cluster.stop_leading)  # before OCPP stops

    def _log_started(self, stale: int) -> None:
        assert self.ocpp is not None
        assert self.database is not None
        log.info(
            "central_system_started",
            ocpp_port=self.ocpp_port,
            ocpp_tls_port=self.ocpp.tls_port,
            api_port=self.api_port,
            public_port=self.public_port,
            database="embedded" if self.database.embedded else "external",
            cluster=self.cluster.others() if self.cluster is not None else None,
            development_mode=self.settings.auto_register_stations,
            stations_marked_disconnected=stale,
        )
        if self.settings.auto_register_stations:
            log.warning(
                "development_mode_on",
                detail="unknown stations are registered and accepted on connect",
            )

    def _start_task(self, job: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(job, name=name)

        async def stop() -> None:  # bounded: a task that swallows its cancel cannot hang shutdown
            for _ in range(3):
                task.cancel()
                done, _ = await asyncio.wait({task}, timeout=2.0)
                if done:
                    return
            log.warning("task_did_not_stop", task=name)

        self._stack.push_async_callback(stop)

    async def _listen(self, listener: HttpListener) -> HttpListener:
        await listener.start()
        self._stack.push_async_callback(listener.stop)
        return listener

    async def _start_api(
        self, read_model: PostgresReadModel, services: Services, cluster: ClusterResource
    ) -> None:
        settings = self.settings
        own_metrics = settings.metrics_port is not None
        exposed = node_registry(settings.node_id) if settings.nats_url else REGISTRY
        assert self.database is not None
        console, console_client = build_console(
            settings, services.access, lambda: self.invoicing.provider.page_url, self.database.pool
        )
        app = create_app(
            read_model,
            services.gateway,
            exposed,
            services.statements,
            admin=services.admin,
            access=services.access,
            clock=self.clock,
            app_sessions=services.app_sessions,
            local_lists=services.local_lists,
            cors_origins=settings.api_cors_origins,
            database_errors=DATABASE_UNAVAILABLE,
            serve_metrics=not own_metrics,
            tariffs=self.tariffs,
            memberships=services.memberships,
            more=(*services.api_resources(read_model), self.invoicing.resource, cluster, *console),
        )
        self.api_app = app
        console_client.attach(app)
        self._api = await self._listen(
            HttpListener("api", app, settings.api_host, settings.api_port)
        )
        if settings.metrics_port is not None:
            metrics = create_metrics_app(exposed)
            self._metrics = await self._listen(
                HttpListener("metrics", metrics, settings.metrics_host, settings.metrics_port)
            )

    async def _start_public(self, visitors: VisitorService) -> None:
        """The visitor route on its own socket, apart from the operator API, rate-limited.

        Seed 000: a visitor registers at a stand, then touches a FeliCa card within 60 s. The
        limits protect the database, the mail outbox and the stands from floods; the client
        address is the socket's peer unless ``public_forwarded_allow_ips`` names a proxy.
        """
        settings = self.settings
        limits = PublicLimits(settings.public_rate_per_address, settings.public_rate_per_stand)
        assert self.tariffs is not None
        pages = VisitorPages(visitors, stand_price(self.tariffs, self.clock))  # seed 000
        trusted = settings.public_forwarded_allow_ips
        listener = HttpListener(
            "public",
            create_public_app(visitors, limits, [*self.invoicing.pages.routes(), *pages.routes()]),
            settings.public_host,
            settings.public_port,
            server_header=False,
            proxy_headers=bool(trusted),  # uvicorn's default trusts 127.0.0.1's X-Forwarded-For
            forwarded_allow_ips=trusted or None,
        )
        self._public = await self._listen(listener)
        self.invoicing.serve_pages_at(f"http://{settings.public_host}:{self.public_port}")
