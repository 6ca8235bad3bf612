"""The PostgreSQL adapter's entry points, for ``csms.bootstrap`` and ``csms.cli``.

Repositories return core models, never ``asyncpg.Record``. ``numeric`` columns come back
as ``Decimal``; nothing here converts energy or money to float.
"""

from __future__ import annotations

from csms.storage.events_outbox import PostgresEventOutbox
from csms.storage.mail import PostgresMailQueue
from csms.storage.pool import create_pool
from csms.storage.read_model import PostgresReadModel
from csms.storage.sample_batcher import PostgresSampleBatcher
from csms.storage.unit_of_work import PostgresUnitOfWork, PostgresUnitOfWorkProvider

__all__ = [
    "PostgresEventOutbox",
    "PostgresMailQueue",
    "PostgresReadModel",
    "PostgresSampleBatcher",
    "PostgresUnitOfWork",
    "PostgresUnitOfWorkProvider",
    "create_pool",
]
