"""What every repository shares: its connection, and row mappers built from one column list.

A ``Columns`` is declared once per model: its text goes into the SELECT statements and the
same list maps a row back to the model (style.md §7), so the two can never drift apart. A
``Fields`` is the write side alone: the columns a statement writes and, in the same order,
its parameters taken from a model or a port's parameter object. A ``Query`` is a SELECT of
a ``Columns`` with its mapping; ``KeyedRepository`` (``get`` by key) and
``SessionRecordRepository`` (``of_session``) give the read every such repository has.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg

T = TypeVar("T")
E = TypeVar("E")


class Repository:
    """A repository over the unit of work's connection; built per unit of work, so tiny."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def _inserted(self, insert: str, *args: Any) -> bool:
        """Run an ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: False when it kept nothing."""
        return await self._conn.fetchval(insert, *args) is not None


def set_column(table: str, column: str, key: str) -> str:
    """``UPDATE table SET column = $2 WHERE key = $1``: one value of one row, by its key."""
    return f"UPDATE {table}\nSET {column} = $2\nWHERE {key} = $1"


def optional(convert: Callable[[Any], E]) -> Callable[[Any], E | None]:
    """A converter for a nullable column: an empty value reads as None."""
    return lambda value: convert(value) if value else None


class Fields(Generic[T]):
    """Fields of a model that a statement writes, e.g. ``Fields(SeqNoEntry, "station_id, ...")``.

    ``sql`` is the list (for an INSERT's columns); ``values(model)`` gives the fields in that
    order (the statement's parameters). ``convert`` turns a field's value into the column's
    (statement lines into their JSON, ...). Like the row mapper, ``values`` is generated.
    """

    def __init__(self, model: type[T], names: str, **convert: Callable[[Any], Any]) -> None:
        self.names = tuple(name.strip() for name in names.split(","))
        known = {field.name for field in dataclasses.fields(model)}  # type: ignore[arg-type]
        if not known.issuperset(self.names) or not set(self.names).issuperset(convert):
            raise ValueError(f"bad field list {names!r} of {model.__name__}")
        self.sql = ", ".join(self.names)
        items = "".join(
            f"convert_{name}(model.{name}), " if name in convert else f"model.{name}, "
            for name in self.names
        )
        namespace: dict[str, Any] = {f"convert_{n}": c for n, c in convert.items()}
        exec(f"def values(model):\n    return ({items})\n", namespace)  # noqa: S102 (field names checked above)
        self.values: Callable[[T], tuple[Any, ...]] = namespace["values"]


class Columns(Generic[T]):
    """One model's columns, e.g. ``Columns(Stand, "stand_id, station_id, ...")``.

    An entry is a column name or ``expression AS name``; each name is a field of the model.
    ``convert`` turns a column's value into the field's (an enum from its text, ...).
    ``values(model)`` gives the fields in column order (for an INSERT of these columns).

    The row mapper is generated from the list, as ``dataclasses`` generates ``__init__``: a
    plain keyword call, as fast as one written out by hand (rows are mapped on the hot path).
    """

    def __init__(
        self, model: Callable[..., T], columns: str, **convert: Callable[[Any], Any]
    ) -> None:
        self._model = model
        self._entries = tuple(entry.strip() for entry in columns.split(","))
        self.names = tuple(entry.rpartition(" AS ")[2] for entry in self._entries)
        unknown = set(convert) - set(self.names)
        if unknown or not all(name.isidentifier() for name in self.names):
            raise ValueError(f"bad column list {columns!r} (converters: {sorted(convert)})")
        self._convert = convert
        self.sql = ", ".join(self._entries)
        self.values: Callable[[T], tuple[Any, ...]] = operator.attrgetter(*self.names)
        self._map = self.mapper()

    def select(self, alias: str, prefix: str = "") -> str:
        """The column list read through a table alias, each named ``prefix + name``."""
        if any(" AS " in entry for entry in self._entries):
            raise ValueError("only plain columns can be read through an alias")
        return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in self.names)

    def mapper(self, prefix: str = "") -> Callable[[Any], T]:
        """The function from a row (a Record or a mapping) whose keys carry ``prefix``."""
        arguments = ", ".join(
            f"{name}=convert_{name}(row[{prefix + name!r}])"
            if name in self._convert
            else f"{name}=row[{prefix + name!r}]"
            for name in self.names
        )
        namespace: dict[str, Any] = {f"convert_{n}": c for n, c in self._convert.items()}
        namespace["model"] = self._model
        exec(f"def from_row(row):\n    return model({arguments})\n", namespace)  # noqa: S102 (identifiers checked above)
        from_row: Callable[[Any], T] = namespace["from_row"]
        return from_row

    def one(self, row: Any) -> T | None:
        """The model of a fetched row, None when there was none."""
        return self._map(row) if row is not None else None

    def many(self, rows: Iterable[Any]) -> list[T]:
        from_row = self._map
        return [from_row(row) for row in rows]

    def __call__(self, row: Any) -> T:
        return self._map(row)


class Query(Generic[T]):
    """A SELECT of one model's columns and the mapping of its rows back to the model.

    ``Query(STAND, "FROM stands", "WHERE stand_id = $1")``: ``sql`` is the statement, one
    clause per line; ``one`` and ``many`` run it on a connection.
    """

    def __init__(self, columns: Columns[T], *clauses: str) -> None:
        self.columns = columns
        self.clauses = clauses
        self.sql = "\n".join((f"SELECT {columns.sql}", *clauses))

    def then(self, *clauses: str) -> Query[T]:
        """The same query with more clauses (``FOR UPDATE``, ...)."""
        return Query(self.columns, *self.clauses, *clauses)

    async def one(self, conn: asyncpg.Connection, *args: Any) -> T | None:
        return self.columns.one(await conn.fetchrow(self.sql, *args))

    async def many(self, conn: asyncpg.Connection, *args: Any) -> list[T]:
        return self.columns.many(await conn.fetch(self.sql, *args))


class KeyedRepository(Repository, Generic[T]):
    """An aggregate read whole by its key: ``get(key)`` runs the subclass's ``by_key``."""

    __slots__ = ()
    by_key: Query[T]

    async def get(self, key: Any) -> T | None:
        return await self.by_key.one(self._conn, key)


class SessionRecordRepository(Repository, Generic[T]):
    """Records kept with a session: ``of_session`` runs the subclass's ``by_session``."""

    __slots__ = ()
    by_session: Query[T]

    async def of_session(self, session_id: UUID) -> list[T]:
        return await self.by_session.many(self._conn, session_id)
