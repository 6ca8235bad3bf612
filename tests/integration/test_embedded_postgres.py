"""The embedded PostgreSQL the way operators and the test suite get it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from csms.storage.embedded import EmbeddedPostgres, EmbeddedPostgresError, remove_cluster


@pytest.fixture(scope="module")
def cluster_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="csms-pg-"))
    os.chmod(root, 0o755)
    yield root / "pgdata"
    remove_cluster(root)


async def test_cold_start_then_a_second_user_attaches(cluster_dir: Path) -> None:
    """A first start initialises; a second process on the same dir reuses the server."""
    first = EmbeddedPostgres(cluster_dir, durable=False)
    first.start()
    try:
        assert first.started_here
        second = EmbeddedPostgres(cluster_dir)
        second.start()
        assert not second.started_here  # attached: the CLI while `csms serve` runs
        conn = await asyncpg.connect(second.dsn)
        assert await conn.fetchval("SELECT current_setting('listen_addresses')") == ""
        await conn.close()
        second.stop()  # stops nothing it did not start
        conn = await asyncpg.connect(first.dsn)
        await conn.close()
    finally:
        first.stop()
    assert not (cluster_dir / "postmaster.pid").exists()


async def test_a_stale_pid_file_is_removed_at_start(cluster_dir: Path) -> None:
    """A postmaster.pid left by a killed server does not block the next start."""
    (cluster_dir / "postmaster.pid").write_text("999999\n")
    server = EmbeddedPostgres(cluster_dir, durable=False)
    server.start()
    try:
        conn = await asyncpg.connect(server.dsn)
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()
    finally:
        server.stop()


def test_a_folder_that_is_not_a_cluster_is_refused(tmp_path: Path) -> None:
    """A non-empty folder without PG_VERSION is never initialised over."""
    folder = tmp_path / "pgdata"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    os.chmod(tmp_path, 0o755)
    with pytest.raises(EmbeddedPostgresError, match="not empty"):
        EmbeddedPostgres(folder).start()
