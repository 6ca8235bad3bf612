"""Composition root: the only module that names concrete classes (style.md §1, §2).

``CentralSystem`` starts the database (embedded or by DSN), applies migrations, wires the
core services to PostgreSQL, and runs the OCPP websocket server and the HTTP API in one
event loop. ``open_database`` gives the CLI the same database without the servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType

import asyncpg
import structlog
import uvicorn

from csms.administration.service import AdminService
from csms.api.app import create_app
from csms.authorization.rule import AuthorizationPolicy
from csms.authorization.visitors import VisitorService
from csms.charging.app_sessions import AppSessionService
from csms.charging.lifecycle import SessionService
from csms.clock import SystemClock
from csms.handlers.server import OcppServer, ServerOptions, tls_context
from csms.observability import REGISTRY
from csms.ports import Clock
from csms.settings import Settings
from csms.settlement.statements import StatementService
from csms.settlement.tariffs import TariffCatalog
from csms.station_commands.local_lists import LocalListService
from csms.stations.security import FailureThrottle, StationSecurity
from csms.stations.service import BootAdmission, StationService
from csms.storage.embedded import EmbeddedPostgres
from csms.storage.migrate import migrate
from csms.storage.postgres import (
    PostgresReadModel,
    PostgresUnitOfWorkProvider,
    create_pool,
    drain_outbox,
)
from csms.storage.sample_batcher import PostgresSampleBatcher
from csms.storage.tariff_files import DEFAULT_DIR as TARIFFS_DIR
from csms.storage.tariff_files import load_catalog

log = structlog.get_logger(__name__)


@dataclass
class Database:
    pool: asyncpg.Pool
    embedded: EmbeddedPostgres | None
    dsn: str


@contextlib.asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Start (or attach to) the database, migrate it, and yield a pool."""
    embedded: EmbeddedPostgres | None = None
    if settings.database_url is None:
        embedded = EmbeddedPostgres(Path(settings.data_dir) / "pgdata")
        embedded.start()  # in the main thread: the parent-death signal follows this thread
        dsn = embedded.dsn
    else:
        dsn = settings.database_url.get_secret_value()
    try:
        pool = await create_pool(dsn, settings.database_pool_size)
        try:
            async with pool.acquire() as conn:
                applied = await migrate(conn)
            if applied:
                log.info("database_migrated", versions=applied)
            yield Database(pool, embedded, dsn)
        finally:
            await pool.close()
    finally:
        if embedded is not None:
            embedded.stop()


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the central system owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class CentralSystem:
    """The running central system: ``async with CentralSystem(settings) as cs: ...``."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._stack = contextlib.AsyncExitStack()
        self.database: Database | None = None
        self.ocpp: OcppServer | None = None
        self.admin: AdminService | None = None
        self.visitors: VisitorService | None = None
        self.app_sessions: AppSessionService | None = None
        self.catalog: TariffCatalog | None = None
        self._api: _ApiServer | None = None
        self._api_task: asyncio.Task[None] | None = None
        self._api_socket: socket.socket | None = None

    @property
    def ocpp_port(self) -> int:
        assert self.ocpp is not None
        return self.ocpp.port

    @property
    def api_port(self) -> int:
        assert self._api_socket is not None
        return int(self._api_socket.getsockname()[1])

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
        # Tariffs first: a bad tariff or assignment file stops start-up before anything runs.
        self.catalog = load_catalog(
            settings.tariffs_dir or TARIFFS_DIR, settings.tariff_assignments
        )
        log.info(
            "tariffs_loaded",
            tariffs=sorted(self.catalog.tariffs),
            assigned_stations=len(self.catalog.stations),
        )
        self.database = await self._stack.enter_async_context(open_database(settings))
        uow = PostgresUnitOfWorkProvider(self.database.pool)
        policy = AuthorizationPolicy(inactive_after_months=settings.account_inactivity_months)
        stations = StationService(
            uow,
            self.clock,
            heartbeat_interval_s=settings.heartbeat_interval_s,
            policy=policy,
            admission=BootAdmission(settings.boot_accept_per_s, self.clock)
            if settings.boot_accept_per_s
            else None,
            heartbeat_jitter=settings.heartbeat_jitter,
        )
        security = StationSecurity(
            uow,
            auto_register=settings.auto_register_stations,
            throttle=FailureThrottle(
                settings.handshake_failure_limit, settings.handshake_failure_window_s
            ),
        )
        batcher = None
        if settings.meter_value_batch_ms > 0:
            batcher = PostgresSampleBatcher(
                self.database.pool, max_wait_s=settings.meter_value_batch_ms / 1000
            )
            self._stack.push_async_callback(batcher.close)  # after the server, before the pool
        sessions = SessionService(uow, self.clock, self.catalog, policy, batcher)
        stale = await stations.reset_connections()
        self.ocpp = OcppServer(
            ServerOptions(
                host=settings.host,
                port=settings.port,
                max_frame_bytes=settings.ocpp_max_frame_bytes,
                ping_interval_s=settings.ocpp_ping_interval_s,
                ping_timeout_s=settings.ocpp_ping_timeout_s,
                call_timeout_s=settings.ocpp_call_timeout_s,
                shutdown_grace_s=settings.shutdown_grace_s,
                tls_port=settings.tls_port,
                tls_context=tls_context(
                    str(settings.tls_cert_file),
                    str(settings.tls_key_file),
                    str(settings.tls_client_ca_file) if settings.tls_client_ca_file else None,
                )
                if settings.tls_port is not None
                else None,
            ),
            stations,
            sessions,
            security,
            local_lists_factory=lambda gateway: LocalListService(
                uow, self.clock, gateway, concurrency=settings.on_connect_concurrency
            ),
        )
        assert self.ocpp.local_lists is not None
        self.admin = AdminService(uow, self.ocpp.local_lists)
        self.visitors = VisitorService(
            uow, self.clock, password_ttl=timedelta(seconds=settings.visitor_password_ttl_s)
        )
        self.app_sessions = AppSessionService(uow, self.clock, self.ocpp, policy)
        await self.ocpp.start()
        self._stack.push_async_callback(self.ocpp.stop)
        await self._start_api(
            PostgresReadModel(self.database.pool),
            self.ocpp,
            StatementService(uow, self.catalog),
        )
        self._start_outbox(self.database.pool)
        log.info(
            "central_system_started",
            ocpp_port=self.ocpp_port,
            ocpp_tls_port=self.ocpp.tls_port,
            api_port=self.api_port,
            database="embedded" if self.database.embedded else "external",
            development_mode=settings.auto_register_stations,
            stations_marked_disconnected=stale,
        )
        if settings.auto_register_stations:
            log.warning(
                "development_mode_on",
                detail="unknown stations are registered and accepted on connect",
            )

    def _start_outbox(self, pool: asyncpg.Pool) -> None:
        """The mail sender is a log line for now; it drains the outbox table."""

        def deliver(kind: str, recipient: str, subject: str, body: str) -> None:
            log.info("mail_sent", kind=kind, recipient=recipient, subject=subject, body=body)

        async def loop() -> None:
            while True:
                try:
                    await drain_outbox(pool, deliver)
                except Exception:  # a mail failure never stops the central system
                    log.exception("outbox_drain_failed")
                await asyncio.sleep(self.settings.outbox_poll_s)

        task = asyncio.create_task(loop(), name="outbox")

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        self._stack.push_async_callback(stop)

    async def _start_api(
        self, read_model: PostgresReadModel, gateway: OcppServer, statements: StatementService
    ) -> None:
        assert self.admin
        assert self.visitors
        assert self.app_sessions
        assert gateway.local_lists is not None
        app = create_app(
            read_model,
            gateway,
            REGISTRY,
            statements,
            admin=self.admin,
            visitors=self.visitors,
            app_sessions=self.app_sessions,
            local_lists=gateway.local_lists,
        )
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self._api = _ApiServer(config)
        self._api_socket = _listening_socket(self.settings.api_host, self.settings.api_port)
        self._api_task = asyncio.create_task(self._api.serve(sockets=[self._api_socket]))
        self._stack.push_async_callback(self._stop_api)
        while not self._api.started:
            if self._api_task.done():
                await self._api_task
                raise RuntimeError("the HTTP API stopped during start-up")
            await asyncio.sleep(0.01)
        log.info("api_listening", host=self.settings.api_host, port=self.api_port)

    async def _stop_api(self) -> None:
        if self._api is not None and self._api_task is not None:
            self._api.should_exit = True
            await self._api_task
        if self._api_socket is not None:
            self._api_socket.close()
