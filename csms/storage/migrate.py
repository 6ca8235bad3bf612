"""Apply the numbered ``migrations/NNN_name.sql`` files once, in order, under a lock.

The advisory lock lets ``csms serve`` and a CLI command start at the same moment on
the same database without applying a migration twice.
"""

from __future__ import annotations

from importlib import resources
from typing import Final

import asyncpg

MIGRATION_LOCK: Final = "SELECT pg_advisory_xact_lock(726354)"
CREATE_MIGRATIONS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""
SELECT_APPLIED_MIGRATIONS: Final = """
SELECT version
FROM schema_migrations"""
INSERT_MIGRATION: Final = """
INSERT INTO schema_migrations (version, name)
VALUES ($1, $2)"""


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("csms.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(number), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: asyncpg.Connection) -> list[int]:
    """Apply what is missing; returns the versions applied now."""
    applied_now: list[int] = []
    async with conn.transaction():
        await conn.execute(MIGRATION_LOCK)
        await conn.execute(CREATE_MIGRATIONS_TABLE)
        done = {row["version"] for row in await conn.fetch(SELECT_APPLIED_MIGRATIONS)}
        for version, name, text in _migrations():
            if version in done:
                continue
            await conn.execute(text)
            await conn.execute(INSERT_MIGRATION, version, name)
            applied_now.append(version)
    return applied_now
