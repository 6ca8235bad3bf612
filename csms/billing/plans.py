"""Monthly plans as data: the fee and energy price by period, and surcharges by period.

Seed 003 (Charge Club) 第6条1 and 別表: an equipment fee per month (設備使用料, 2,200 yen
tax included), a price per kWh (充電単価, 35 yen tax included) and each month's surcharges
(各種賦課金等相当額) as rates per kWh that change by period. Periods are JST calendar
months ``YYYY-MM``, both ends inclusive, ``null`` = open; periods of one price list or of one
surcharge must not overlap. A month no price period contains has no price (the invoice
cannot be made); a month no period of a surcharge contains simply has no such line.

``parse_plan`` validates a plain dict (from a JSON file): unknown fields are refused,
numbers must be decimal strings, and every error names the source and the field. No I/O.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final, Protocol

from csms.billing.money import exact

_MONTH: Final = re.compile(r"(\d{4})-(\d{2})")
_DECIMAL: Final = re.compile(r"\d+(\.\d+)?")
_TOP: Final = frozenset(
    {"id", "name", "source", "currency", "tax_rate_percent", "prices", "surcharges", "note"}
)
_PRICE: Final = frozenset({"valid_from", "valid_to", "monthly_fee", "price_per_kwh"})
_SURCHARGE: Final = frozenset({"id", "name", "source", "rates"})
_RATE: Final = frozenset({"valid_from", "valid_to", "rate_per_kwh"})


class PlanError(ValueError):
    """A plan definition is invalid; the message names the source and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}")
        self.source = source
        self.field = field


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A JST calendar month. Example: ``Month.parse("2025-04")``, ``str(...)`` ``"2025-04"``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1 <= self.year <= 9999):
            raise ValueError(f"not a month: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` exactly; anything else raises ``ValueError``."""
        found = _MONTH.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"{text!r} is not a month YYYY-MM")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class _Period(Protocol):
    @property
    def valid_from(self) -> Month: ...

    @property
    def valid_to(self) -> Month | None: ...


def _contains(period: _Period, month: Month) -> bool:
    return period.valid_from <= month and (period.valid_to is None or month <= period.valid_to)


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """The fee and energy price of one period (tax included)."""

    valid_from: Month
    valid_to: Month | None
    monthly_fee: Decimal
    price_per_kwh: Decimal


@dataclass(frozen=True, slots=True)
class SurchargeRate:
    valid_from: Month
    valid_to: Month | None
    rate_per_kwh: Decimal


@dataclass(frozen=True, slots=True)
class Surcharge:
    """One surcharge (e.g. 再エネ賦課金) with its per-kWh rates by period (tax included)."""

    surcharge_id: str
    name: str
    source: str
    rates: tuple[SurchargeRate, ...]

    def rate_in(self, month: Month) -> SurchargeRate | None:
        """The rate whose period contains the month, or None (then no line)."""
        return next((rate for rate in self.rates if _contains(rate, month)), None)


@dataclass(frozen=True, slots=True)
class Plan:
    plan_id: str
    name: str
    source: str
    currency: str
    tax_rate_percent: Decimal
    prices: tuple[PlanPrice, ...]
    surcharges: tuple[Surcharge, ...]

    def price_in(self, month: Month) -> PlanPrice | None:
        """The fee and energy price in force in the month, or None."""
        return next((price for price in self.prices if _contains(price, month)), None)


class _Reader:
    """Pulls typed fields out of a dict, naming the path on error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, message: str) -> PlanError:
        return PlanError(self.source, field, message)

    def fields(self, data: Any, path: str, known: frozenset[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(path.rstrip(".") or "(top)", "must be an object")
        for key in data:
            if key not in known:
                raise self.fail(f"{path}{key}", f"unknown field; expected one of {sorted(known)}")
        return data

    def get(self, data: dict[str, Any], key: str, path: str) -> Any:
        if key not in data:
            raise self.fail(f"{path}{key}", "is required")
        return data[key]

    def text(self, data: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = data.get(key, default) if default is not None else self.get(data, key, path)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{path}{key}", "must be a non-empty string")
        return value

    def number(
        self, data: dict[str, Any], key: str, path: str, default: str | None = None
    ) -> Decimal:
        value = data.get(key, default) if default is not None else self.get(data, key, path)
        if not isinstance(value, str) or _DECIMAL.fullmatch(value) is None:
            raise self.fail(f"{path}{key}", f'must be a decimal string like "35", not {value!r}')
        return exact(value, f"{path}{key}")

    def month(self, data: dict[str, Any], key: str, path: str) -> Month:
        try:
            return Month.parse(self.get(data, key, path))
        except ValueError as exc:
            raise self.fail(f"{path}{key}", "must be a month YYYY-MM") from exc

    def period(self, data: dict[str, Any], path: str) -> tuple[Month, Month | None]:
        """``valid_from`` (a month) and ``valid_to`` (a month or null = open), in order."""
        start = self.month(data, "valid_from", path)
        if self.get(data, "valid_to", path) is None:
            return start, None
        end = self.month(data, "valid_to", path)
        if end < start:
            raise self.fail(f"{path}valid_to", f"{end} is before valid_from {start}")
        return start, end

    def items(self, data: dict[str, Any], key: str, path: str, *, required: bool) -> list[Any]:
        value = self.get(data, key, path) if required else data.get(key, [])
        if not isinstance(value, list) or (required and not value):
            raise self.fail(
                f"{path}{key}", "must be a non-empty list" if required else "must be a list"
            )
        return value


def _price(reader: _Reader, data: Any, path: str) -> PlanPrice:
    fields = reader.fields(data, path, _PRICE)
    start, end = reader.period(fields, path)
    fee = reader.number(fields, "monthly_fee", path)
    if fee != fee.to_integral_value():
        raise reader.fail(f"{path}monthly_fee", "must be whole yen")
    return PlanPrice(
        start, end, fee.to_integral_value(), reader.number(fields, "price_per_kwh", path)
    )


def _rate(reader: _Reader, data: Any, path: str) -> SurchargeRate:
    fields = reader.fields(data, path, _RATE)
    start, end = reader.period(fields, path)
    return SurchargeRate(start, end, reader.number(fields, "rate_per_kwh", path))


def _surcharge(reader: _Reader, data: Any, path: str) -> Surcharge:
    fields = reader.fields(data, path, _SURCHARGE)
    raw = reader.items(fields, "rates", path, required=True)
    rates = [_rate(reader, item, f"{path}rates[{i}].") for i, item in enumerate(raw)]
    _check_no_overlap(reader, rates, f"{path}rates")
    return Surcharge(
        surcharge_id=reader.text(fields, "id", path),
        name=reader.text(fields, "name", path),
        source=reader.text(fields, "source", path),
        rates=tuple(rates),
    )


def _check_no_overlap(reader: _Reader, periods: list[Any], path: str) -> None:
    ordered = sorted(enumerate(periods), key=lambda pair: pair[1].valid_from)
    for (_, earlier), (index, later) in itertools.pairwise(ordered):
        if earlier.valid_to is None or later.valid_from <= earlier.valid_to:
            raise reader.fail(
                f"{path}[{index}].valid_from",
                f"period from {later.valid_from} overlaps the one from {earlier.valid_from}",
            )


def _surcharges(reader: _Reader, fields: dict[str, Any]) -> tuple[Surcharge, ...]:
    raw = reader.items(fields, "surcharges", "", required=False)
    surcharges = [_surcharge(reader, item, f"surcharges[{i}].") for i, item in enumerate(raw)]
    seen: set[str] = set()
    for index, surcharge in enumerate(surcharges):
        if surcharge.surcharge_id in seen:
            raise reader.fail(f"surcharges[{index}].id", f"{surcharge.surcharge_id!r} repeats")
        seen.add(surcharge.surcharge_id)
    return tuple(surcharges)


def parse_plan(data: Any, source: str) -> Plan:
    """Validate a plan definition (a dict from JSON, numbers as decimal strings).

    Raises:
        PlanError: naming ``source`` and the offending field.
    """
    reader = _Reader(source)
    fields = reader.fields(data, "", _TOP)
    raw = reader.items(fields, "prices", "", required=True)
    prices = [_price(reader, item, f"prices[{i}].") for i, item in enumerate(raw)]
    _check_no_overlap(reader, prices, "prices")
    currency = reader.text(fields, "currency", "", "JPY")
    if currency != "JPY":
        raise reader.fail("currency", "must be JPY (amounts are integer yen)")
    rate = reader.number(fields, "tax_rate_percent", "", "10")
    if rate != rate.to_integral_value() or rate == 0:
        raise reader.fail("tax_rate_percent", "must be a whole, positive percentage")
    return Plan(
        plan_id=reader.text(fields, "id", ""),
        name=reader.text(fields, "name", ""),
        source=reader.text(fields, "source", ""),
        currency=currency,
        tax_rate_percent=rate.to_integral_value(),
        prices=tuple(prices),
        surcharges=_surcharges(reader, fields),
    )
