"""The database the central system and the CLI share: embedded or by DSN, migrated."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import structlog

from csms.settings import Settings
from csms.storage.embedded import EmbeddedPostgres
from csms.storage.migrate import migrate
from csms.storage.pool import create_pool

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
