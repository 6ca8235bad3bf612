"""How the capabilities declare their plain records: models, commands, results and events.

Every such record is an immutable dataclass with ``__slots__``; :func:`frozen` says so once
instead of ``@dataclass(frozen=True, slots=True)`` on each class (typed for mypy by PEP 681's
``dataclass_transform``). Standard library only, so any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, dataclass_transform

_Record = TypeVar("_Record")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[_Record]) -> type[_Record]:
    """``@dataclass(frozen=True, slots=True)``: the class as an immutable, slotted record."""
    return dataclass(frozen=True, slots=True)(cls)
