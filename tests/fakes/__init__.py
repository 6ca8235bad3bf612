"""In-memory fakes of every port, with PostgreSQL's semantics (style.md §11) [cosmic].

``InMemoryUnitOfWorkProvider`` gives units of work over one ``InMemoryStore`` (all data in
dicts; ``store.events`` holds the committed domain events). The repository contract suite
in ``tests/contract`` runs the same tests against these fakes and PostgreSQL, so a
behaviour the fakes show is one the database has.
"""

from tests.fakes.doubles import (
    FakeEndBatcher,
    FakeEventOutbox,
    FakeMailQueue,
    FakeSampleBatcher,
    FakeStartBatcher,
    FakeStationGateway,
    FakeUpdateBatcher,
)
from tests.fakes.store import (
    CheckViolation,
    ForeignKeyViolation,
    InMemoryStore,
    IntegrityViolation,
    NotNullViolation,
    UniqueViolation,
)
from tests.fakes.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkProvider

__all__ = [
    "CheckViolation",
    "FakeEndBatcher",
    "FakeEventOutbox",
    "FakeMailQueue",
    "FakeSampleBatcher",
    "FakeStartBatcher",
    "FakeStationGateway",
    "FakeUpdateBatcher",
    "ForeignKeyViolation",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkProvider",
    "IntegrityViolation",
    "NotNullViolation",
    "UniqueViolation",
]
