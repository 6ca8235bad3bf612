"""Money and quantities as exact Decimals (style.md §6). A float anywhere raises.

``Money`` is tax-included yen in this project (all seed prices are 税込); currency is kept
so that adding different currencies fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

JPY: Final = "JPY"


def exact(value: object, what: str) -> Decimal:
    """A Decimal from a string, int or Decimal; a float (or bool) is refused.

    Example: ``exact("8.8", "price")`` is ``Decimal("8.8")``; ``exact(8.8, "price")`` raises.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"{what} must not be a float or bool: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except ArithmeticError as exc:
            raise ValueError(f"{what} is not a number: {value!r}") from exc
    else:
        raise TypeError(f"{what} must be a string, int or Decimal, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be finite: {value!r}")
    return result


def _make_exact(record: object, name: str, what: str, negative: str | None = None) -> None:
    """In ``__post_init__``: the field ``name`` as an exact Decimal (see :func:`exact`).

    ``negative``, when given, is the message (``{}``: the value) of the ``ValueError`` a
    negative value raises.
    """
    value = exact(getattr(record, name), what)
    if negative is not None and value < 0:
        raise ValueError(negative.format(value))
    object.__setattr__(record, name, value)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = JPY

    def __post_init__(self) -> None:
        _make_exact(self, "amount", "amount")

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def times(self, quantity: Decimal) -> Money:
        """Price times a quantity (minutes, kWh); money times money does not exist."""
        if isinstance(quantity, Money):
            raise TypeError("money times money is meaningless")
        return Money(self.amount * exact(quantity, "quantity"), self.currency)


@dataclass(frozen=True, slots=True)
class Energy:
    """Energy in Wh, exact. ``kwh`` is the same quantity in kWh."""

    wh: Decimal

    def __post_init__(self) -> None:
        _make_exact(self, "wh", "energy_wh", negative="energy must not be negative: {} Wh")

    @property
    def kwh(self) -> Decimal:
        return self.wh / 1000


@dataclass(frozen=True, slots=True)
class Duration:
    """A duration in seconds, exact (sub-second parts kept)."""

    seconds: Decimal

    def __post_init__(self) -> None:
        _make_exact(
            self, "seconds", "duration_s", negative="a session cannot stop before it starts ({} s)"
        )
