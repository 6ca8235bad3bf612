"""The group commit's batching rule with a stand-in pool (storage/group_commit.py): every
item answered with its own result, at most two statements in flight, a bad item fails
alone, and a database that goes away fails what is left."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from csms.storage.group_commit import GroupCommit


class StandInPool:
    """``acquire()`` as asyncpg's pool offers it; the connection is never used here."""

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[object]:
        yield object()


class Writer:
    """Doubles each item after a short wait; refuses "bad"; counts statements in flight."""

    def __init__(self, *, unavailable_after: int | None = None) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.batches: list[int] = []
        self._unavailable_after = unavailable_after

    async def __call__(self, conn: Any, items: Sequence[Any]) -> list[Any]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            self.batches.append(len(items))
            if self._unavailable_after is not None and len(self.batches) > self._unavailable_after:
                raise ConnectionResetError("the database went away")
            if "bad" in items:
                raise ValueError("refused")
            return [item * 2 for item in items]
        finally:
            self.in_flight -= 1


def commit(writer: Writer) -> GroupCommit[Any, Any]:
    return GroupCommit(StandInPool(), writer, name="test", max_wait_s=0.001)  # type: ignore[arg-type]


async def test_every_item_gets_its_result_with_at_most_two_statements_in_flight() -> None:
    writer = Writer()
    batch = commit(writer)
    results = await asyncio.gather(*(batch.submit(n) for n in range(200)))
    assert results == [n * 2 for n in range(200)]
    assert writer.most_in_flight <= 2
    assert max(writer.batches) > 1  # items waited behind the statements in flight
    await batch.close()


async def test_a_refused_item_fails_alone() -> None:
    writer = Writer()
    batch = commit(writer)
    items: list[Any] = [1, 2, "bad", 4]
    answers = await asyncio.gather(*(batch.submit(i) for i in items), return_exceptions=True)
    assert answers[:2] == [2, 4]
    assert isinstance(answers[2], ValueError)
    assert answers[3] == 8


async def test_a_database_gone_during_the_retries_fails_the_rest() -> None:
    writer = Writer(unavailable_after=1)  # the batch fails, then the first retry: gone
    batch = commit(writer)
    items: list[Any] = ["bad", 2, 3]
    answers = await asyncio.gather(*(batch.submit(i) for i in items), return_exceptions=True)
    assert all(isinstance(answer, ConnectionResetError) for answer in answers)
    assert writer.batches == [3, 1]  # no retry after the server went away


async def test_close_writes_what_waits() -> None:
    writer = Writer()
    batch = GroupCommit(StandInPool(), writer, name="test", max_wait_s=60)  # type: ignore[arg-type]
    waiting = asyncio.ensure_future(batch.submit(21))
    await asyncio.sleep(0)
    await batch.close()
    assert await waiting == 42


@pytest.mark.parametrize("count", [1, 1001])
async def test_no_batch_is_larger_than_max_items(count: int) -> None:
    writer = Writer()
    batch = commit(writer)
    await asyncio.gather(*(batch.submit(n) for n in range(count)))
    assert max(writer.batches) <= 1000
