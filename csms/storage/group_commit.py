"""Group commit: the writes of many messages in one statement, each answered after it.

OCPP answers a Call only once what it says is stored. Instead of a transaction per message,
the items that arrive within ``max_wait_s`` (``group_commit_ms``, about 2 ms) from all
stations are written by one call of ``write`` (one set-based statement: ``unnest``), which
commits on its own; every waiting message is answered after that commit, with its own
result. Per station order holds because a station has one Call outstanding (OCPP-J §4.1.1)
and the connection handles its messages one after another.

A failing batch fails only the message that caused it: the batch is written again item by
item, so every other message still gets its result and only the bad one its error (the
adapter answers it with a CallError; the station retries). While the database is away the
batch fails as a whole (no point in retrying each item against a dead server).

At most ``max_in_flight`` (2) statements of one writer run at a time: under load the items
wait behind them and the next batch is larger, instead of taking ever more connections; one
batch waiting for a locked row does not stop the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import asyncpg

from csms.observability import GROUP_COMMIT_ITEMS
from csms.storage.pool import DATABASE_UNAVAILABLE

I = TypeVar("I")  # noqa: E741 (an item)
R = TypeVar("R")

Write = Callable[[asyncpg.Connection, Sequence[I]], Awaitable[Sequence[R]]]


class GroupCommit(Generic[I, R]):
    """``await batch.submit(item)``: the item's result once its batch committed."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        write: Write[I, R],
        *,
        name: str,
        max_wait_s: float = 0.002,
        max_items: int = 1000,
        max_in_flight: int = 2,
    ) -> None:
        self._pool = pool
        self._write = write
        self._name = name
        self._max_wait_s = max_wait_s
        self._max_items = max_items
        self._max_in_flight = max_in_flight
        self._items: list[I] = []
        self._waiters: list[asyncio.Future[R]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    async def submit(self, item: I) -> R:
        """Write ``item`` with the next batch; returns its result after that commit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._items.append(item)
        self._waiters.append(future)
        if len(self._items) >= self._max_items:
            self._start_flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._max_wait_s, self._start_flush)
        return await future

    def _start_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiters or len(self._flushes) >= self._max_in_flight:
            return  # the items wait; a finishing flush starts the next batch
        items, waiters = self._items[: self._max_items], self._waiters[: self._max_items]
        del self._items[: self._max_items], self._waiters[: self._max_items]
        task = asyncio.create_task(self._flush(items, waiters))
        self._flushes.add(task)
        task.add_done_callback(self._flushed)

    def _flushed(self, task: asyncio.Task[None]) -> None:
        self._flushes.discard(task)
        self._start_flush()  # what waited behind it, at once

    async def _flush(self, items: list[I], waiters: list[asyncio.Future[R]]) -> None:
        GROUP_COMMIT_ITEMS.labels(self._name).observe(len(items))
        try:
            async with self._pool.acquire() as conn:
                try:
                    results = await self._write(conn, items)
                except DATABASE_UNAVAILABLE:
                    raise
                except Exception:
                    if len(items) == 1:
                        raise
                    await self._one_by_one(conn, items, waiters)
                    return
        except Exception as exc:  # every waiting message is answered with the failure
            _settle(waiters, exc)
            return
        for waiter, result in zip(waiters, results, strict=True):
            if not waiter.done():
                waiter.set_result(result)

    async def _one_by_one(
        self, conn: asyncpg.Connection, items: list[I], waiters: list[asyncio.Future[R]]
    ) -> None:
        """Each item on its own statement: only the bad one fails."""
        for index, (item, waiter) in enumerate(zip(items, waiters, strict=True)):
            try:
                (result,) = await self._write(conn, [item])
            except DATABASE_UNAVAILABLE as exc:  # the server went away: the rest fail too
                _settle(waiters[index:], exc)
                return
            except Exception as exc:
                _settle([waiter], exc)
            else:
                if not waiter.done():
                    waiter.set_result(result)

    async def close(self) -> None:
        """Write what is waiting, then wait for writes in flight (shutdown)."""
        self._start_flush()
        while self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)


def _settle(waiters: Sequence[asyncio.Future[R]], exc: BaseException) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_exception(exc)
