"""The group-commit writers of a running central system (``group_commit_ms``).

Each is closed at shutdown after the OCPP server (so the last messages are answered) and
before the pool; presence is flushed every ``presence_flush_s`` and once more at the end.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from csms.bootstrap.services import GroupCommits
from csms.settings import Settings
from csms.storage.end_batcher import PostgresEndBatcher
from csms.storage.events_outbox import OnCommit
from csms.storage.presence import PostgresPresence
from csms.storage.sample_batcher import PostgresSampleBatcher
from csms.storage.start_batcher import PostgresStartBatcher
from csms.storage.status_batcher import PostgresStatusBatcher
from csms.storage.update_batcher import PostgresUpdateBatcher


def start_group_commits(
    pool: asyncpg.Pool,
    settings: Settings,
    stack: contextlib.AsyncExitStack,
    on_commit: OnCommit | None = None,
) -> GroupCommits:
    """The writers; with ``group_commit_ms`` 0 every message writes in its own transaction
    (heartbeat times are kept in memory either way: ``presence_flush_s``). ``on_commit``
    gets the events a writer committed (the relay)."""
    presence = PostgresPresence(pool)
    flushing = asyncio.create_task(presence.run(settings.presence_flush_s), name="presence")

    async def stop_presence() -> None:
        flushing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flushing
        await presence.close()

    stack.push_async_callback(stop_presence)
    if settings.group_commit_ms <= 0:
        return GroupCommits(presence=presence)
    wait_s = settings.group_commit_ms / 1000
    samples = PostgresSampleBatcher(pool, max_wait_s=wait_s)
    updates = PostgresUpdateBatcher(pool, max_wait_s=wait_s)
    statuses = PostgresStatusBatcher(pool, max_wait_s=wait_s)
    starts = PostgresStartBatcher(pool, on_commit, max_wait_s=wait_s)
    ends = PostgresEndBatcher(pool, on_commit, max_wait_s=wait_s)
    for writer in (samples, updates, statuses, starts, ends):
        stack.push_async_callback(writer.close)
    return GroupCommits(samples, updates, statuses, presence, starts, ends)
