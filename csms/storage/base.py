"""What every repository shares: its connection, and row mappers built from one column list.

A ``Columns`` is declared once per model: its text goes into the SELECT statements and the
same list maps a row back to the model (style.md §7), so the two can never drift apart.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

import asyncpg

T = TypeVar("T")
E = TypeVar("E")


class Repository:
    """A repository over the unit of work's connection; built per unit of work, so tiny."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn


def optional(convert: Callable[[Any], E]) -> Callable[[Any], E | None]:
    """A converter for a nullable column: an empty value reads as None."""
    return lambda value: convert(value) if value else None


class Columns(Generic[T]):
    """One model's columns, e.g. ``Columns(Stand, "stand_id, station_id, ...")``.

    An entry is a column name or ``expression AS name``; each name is a field of the model.
    ``convert`` turns a column's value into the field's (an enum from its text, ...).
    ``values(model)`` gives the fields in column order (for an INSERT of these columns).
    """

    def __init__(
        self, model: Callable[..., T], columns: str, **convert: Callable[[Any], Any]
    ) -> None:
        self._model = model
        self._entries = tuple(entry.strip() for entry in columns.split(","))
        self.names = tuple(entry.rpartition(" AS ")[2] for entry in self._entries)
        unknown = set(convert) - set(self.names)
        if unknown:
            raise ValueError(f"converters for no column: {sorted(unknown)}")
        self._convert: Mapping[str, Callable[[Any], Any]] = convert
        self._plain = tuple(name for name in self.names if name not in convert)
        self.sql = ", ".join(self._entries)
        # The model's values in column order, for an INSERT of exactly these columns.
        self.values: Callable[[T], tuple[Any, ...]] = operator.attrgetter(*self.names)

    def select(self, alias: str, prefix: str = "") -> str:
        """The column list read through a table alias, each named ``prefix + name``."""
        if any(" AS " in entry for entry in self._entries):
            raise ValueError("only plain columns can be read through an alias")
        return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in self.names)

    def one(self, row: Any) -> T | None:
        """The model of a fetched row, None when there was none."""
        return self(row) if row is not None else None

    def many(self, rows: Iterable[Any]) -> list[T]:
        return [self(row) for row in rows]

    def __call__(self, row: Any, prefix: str = "") -> T:
        """The model of a row (an ``asyncpg.Record`` or a mapping) whose keys carry ``prefix``."""
        fields = {name: row[prefix + name] for name in self._plain}
        for name, convert in self._convert.items():
            fields[name] = convert(row[prefix + name])
        return self._model(**fields)
