"""Every billing test runs with floats trapped: Decimal(1.1) or 1.1 < Decimal raises."""

from __future__ import annotations

import decimal
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _trap_floats() -> Iterator[None]:
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        yield
