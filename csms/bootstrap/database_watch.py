"""The database watch of a node: an outage pauses OCPP (docs/reliability.md)."""

from __future__ import annotations

from collections.abc import Callable

from csms.bootstrap.database import Database
from csms.handlers.server import OcppServer
from csms.settings import Settings
from csms.stations.service import StationService
from csms.storage.pool import DatabasePing
from csms.workers.database_watch import DatabaseWatch


def database_watch(
    settings: Settings,
    database: Database,
    stations: StationService,
    ocpp: OcppServer,
    other_nodes: Callable[[], list[str]] | None,
) -> tuple[DatabaseWatch, DatabasePing]:
    """Pause OCPP while the database is away; an embedded server that this process started
    is restarted (never one another process owns). When it is back, this node's stations'
    flags are reset (its sockets were closed when it paused; other nodes' stay). The ping's
    connection is the caller's to close."""

    async def down() -> None:
        await ocpp.set_available(False, "database unavailable")

    async def up() -> None:
        database.pool.expire_connections()  # the dead server's connections are broken
        await stations.reset_connections(other_nodes() if other_nodes is not None else ())
        await ocpp.set_available(True, "database available again")

    embedded = database.embedded if database.embedded and database.embedded.started_here else None
    ping = DatabasePing(database.dsn)
    watch = DatabaseWatch(
        ping,
        on_down=down,
        on_up=up,
        restart=embedded.restart if embedded is not None else None,
        is_alive=embedded.alive if embedded is not None else None,
        interval_s=settings.database_check_interval_s,
        max_backoff_s=settings.database_retry_max_s,
    )
    return watch, ping
