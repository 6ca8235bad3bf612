"""The ports every capability shares: the unit of work and its provider (style.md §7).

Each capability declares its own narrow unit-of-work Protocol naming only the repositories it
uses (``charging.ports.ChargingUnitOfWork``, ...); the one PostgreSQL unit of work and the
in-memory fake satisfy all of them structurally. A Protocol's attributes are invariant, so
both type each repository attribute as its port (``SessionRepository``), not as their class.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

from csms.events import DomainEvent

UnitOfWorkT_co = TypeVar("UnitOfWorkT_co", covariant=True)


class EventRecorder(Protocol):
    """Domain events recorded here are written to the outbox in the same transaction."""

    def record(self, event: DomainEvent) -> None: ...


class UnitOfWorkProvider(Protocol[UnitOfWorkT_co]):
    """``uow()`` is one transaction, committed on a clean exit. ``uow(atomic=False)`` skips
    BEGIN/COMMIT for use cases whose every statement stands alone (one write, or reads and one
    conditional write); their events are written right after the use case."""

    def __call__(self, *, atomic: bool = True) -> AbstractAsyncContextManager[UnitOfWorkT_co]: ...


class EventOutbox(Protocol):
    """The outbox the relay reads: events in commit order, each delivered at least once."""

    async def pending(self, limit: int) -> list[tuple[int, DomainEvent]]: ...
    async def mark_delivered(self, event_ids: list[int]) -> None: ...


class MailQueue(Protocol):
    """Unsent mail for the mail worker: ``(message_id, kind, recipient, subject, body)``."""

    async def unsent(self, limit: int) -> list[tuple[int, str, str, str, str]]: ...
    async def mark_sent(self, message_ids: list[int]) -> None: ...
