"""Mail to send ("charging complete" with the fee): written with its cause, sent by a worker.

The ``outbox`` table holds the mail; ``PostgresMailOutbox`` adds to it inside a unit of work
and ``PostgresMailQueue`` is what the mail worker reads and marks.
"""

from __future__ import annotations

from typing import Final

import asyncpg

from csms.storage.base import Repository

INSERT_MAIL: Final = """
INSERT INTO outbox (kind, recipient, subject, body)
VALUES ($1, $2, $3, $4)"""
SELECT_UNSENT_MAIL: Final = """
SELECT message_id, kind, recipient, subject, body
FROM outbox
WHERE sent_at IS NULL
ORDER BY created_at, message_id
LIMIT $1"""
MARK_MAIL_SENT: Final = """
UPDATE outbox
SET sent_at = now()
WHERE message_id = ANY($1::bigint[]) AND sent_at IS NULL"""

Mail = tuple[int, str, str, str, str]


class PostgresMailOutbox(Repository):
    __slots__ = ()

    async def add(self, kind: str, recipient: str, subject: str, body: str) -> None:
        await self._conn.execute(INSERT_MAIL, kind, recipient, subject, body)


class PostgresMailQueue:
    """Unsent mail, oldest first: ``(message_id, kind, recipient, subject, body)``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def unsent(self, limit: int) -> list[Mail]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(SELECT_UNSENT_MAIL, limit)
        return [
            (row["message_id"], row["kind"], row["recipient"], row["subject"], row["body"])
            for row in rows
        ]

    async def mark_sent(self, message_ids: list[int]) -> None:
        if not message_ids:
            return
        async with self._pool.acquire() as conn:
            await conn.execute(MARK_MAIL_SENT, message_ids)
