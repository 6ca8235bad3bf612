"""Tariffs as data: versions with JST validity periods and priced components.

Component shapes the seeds need (see the billing rules of the project's specification):

* ``flat``: a fee per session (000: 770 yen per session);
* ``time_block``: a first block of N minutes at one price, then a price per started minute
  (004 別表1);
* ``time``: a price per started minute with a minimum number of minutes (002 別紙: 10 min;
  004 別表2 time part: no minimum);
* ``energy``: a price per kWh on a kWh step rounded up (002: 0.1 kWh, minimum 0.4 kWh) or
  truncated (004: 0.001 kWh).

``parse_tariff`` validates a plain dict (from a JSON file) and names the field that is
wrong; it does no I/O.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from csms.billing.money import exact


class TariffError(ValueError):
    """A tariff definition is invalid; the message names the source and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}")
        self.source = source
        self.field = field


@dataclass(frozen=True, slots=True)
class FlatFee:
    price: Decimal
    kind: Literal["flat"] = "flat"


@dataclass(frozen=True, slots=True)
class TimeBlock:
    block_minutes: int
    block_price: Decimal
    per_minute_price: Decimal
    kind: Literal["time_block"] = "time_block"


@dataclass(frozen=True, slots=True)
class TimePerMinute:
    per_minute_price: Decimal
    minimum_minutes: int = 0
    kind: Literal["time"] = "time"


@dataclass(frozen=True, slots=True)
class EnergyPerKwh:
    price_per_kwh: Decimal
    step_kwh: Decimal
    step_rounding: Literal["up", "truncate"]
    minimum_kwh: Decimal = Decimal(0)
    kind: Literal["energy"] = "energy"


Component = FlatFee | TimeBlock | TimePerMinute | EnergyPerKwh


@dataclass(frozen=True, slots=True)
class TariffVersion:
    """One version; ``valid_from``/``valid_to`` are JST dates, both inclusive, None = open."""

    version: str
    valid_from: date | None
    valid_to: date | None
    components: tuple[Component, ...]

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Tariff:
    tariff_id: str
    name: str
    source: str
    currency: str
    tax_rate_percent: Decimal
    example: bool
    versions: tuple[TariffVersion, ...]

    def version_on(self, day: date) -> TariffVersion | None:
        """The version in force on a JST date, or None."""
        for version in self.versions:
            if version.in_force_on(day):
                return version
        return None


class _Reader:
    """Pulls typed fields out of a dict, naming the path on error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, message: str) -> TariffError:
        return TariffError(self.source, field, message)

    def get(self, data: dict[str, Any], key: str, path: str, default: Any = ...) -> Any:
        if key in data:
            return data[key]
        if default is ...:
            raise self.fail(f"{path}{key}", "is required")
        return default

    def text(self, data: dict[str, Any], key: str, path: str, default: Any = ...) -> str:
        value = self.get(data, key, path, default)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{path}{key}", "must be a non-empty string")
        return value

    def number(self, data: dict[str, Any], key: str, path: str, default: Any = ...) -> Decimal:
        value = self.get(data, key, path, default)
        try:
            result = exact(value, key)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{path}{key}", f"must be a decimal string or integer ({exc})") from exc
        if result < 0:
            raise self.fail(f"{path}{key}", "must not be negative")
        return result

    def whole(self, data: dict[str, Any], key: str, path: str, default: Any = ...) -> int:
        value = self.number(data, key, path, default)
        if value != value.to_integral_value():
            raise self.fail(f"{path}{key}", "must be a whole number")
        return int(value)

    def day(self, data: dict[str, Any], key: str, path: str) -> date | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            raise self.fail(f"{path}{key}", "must be a date YYYY-MM-DD or null") from exc


def _component(reader: _Reader, data: Any, path: str) -> Component:
    if not isinstance(data, dict):
        raise reader.fail(path.rstrip("."), "must be an object")
    kind = reader.text(data, "type", path)
    if kind == "flat":
        return FlatFee(reader.number(data, "price", path))
    if kind == "time_block":
        block_price = reader.number(data, "block_price", path)
        if block_price != block_price.to_integral_value():
            raise reader.fail(f"{path}block_price", "must be whole yen (see rounding.py)")
        block_minutes = reader.whole(data, "block_minutes", path)
        if block_minutes < 1:
            raise reader.fail(f"{path}block_minutes", "must be at least 1")
        return TimeBlock(block_minutes, block_price, reader.number(data, "per_minute_price", path))
    if kind == "time":
        return TimePerMinute(
            reader.number(data, "per_minute_price", path),
            reader.whole(data, "minimum_minutes", path, 0),
        )
    if kind == "energy":
        rounding = reader.text(data, "step_rounding", path)
        if rounding not in ("up", "truncate"):
            raise reader.fail(f"{path}step_rounding", "must be 'up' or 'truncate'")
        step = reader.number(data, "step_kwh", path)
        if step <= 0:
            raise reader.fail(f"{path}step_kwh", "must be positive")
        return EnergyPerKwh(
            reader.number(data, "price_per_kwh", path),
            step,
            "up" if rounding == "up" else "truncate",
            reader.number(data, "minimum_kwh", path, "0"),
        )
    raise reader.fail(f"{path}type", f"unknown component type {kind!r}")


def _version(reader: _Reader, data: Any, path: str) -> TariffVersion:
    if not isinstance(data, dict):
        raise reader.fail(path.rstrip("."), "must be an object")
    components = reader.get(data, "components", path)
    if not isinstance(components, list) or not components:
        raise reader.fail(f"{path}components", "must be a non-empty list")
    version = TariffVersion(
        version=reader.text(data, "version", path),
        valid_from=reader.day(data, "valid_from", path),
        valid_to=reader.day(data, "valid_to", path),
        components=tuple(
            _component(reader, item, f"{path}components[{i}].") for i, item in enumerate(components)
        ),
    )
    if version.valid_from and version.valid_to and version.valid_to < version.valid_from:
        raise reader.fail(f"{path}valid_to", "is before valid_from")
    return version


def _check_no_overlap(reader: _Reader, versions: list[TariffVersion]) -> None:
    ordered = sorted(versions, key=lambda v: v.valid_from or date.min)
    for index, (earlier, later) in enumerate(itertools.pairwise(ordered)):
        if earlier.valid_to is None or (later.valid_from or date.min) <= earlier.valid_to:
            raise reader.fail(
                f"versions[{index + 1}].valid_from",
                f"version {later.version!r} overlaps version {earlier.version!r}",
            )


def parse_tariff(data: Any, source: str) -> Tariff:
    """Validate a tariff definition (a dict from JSON, numbers as strings or Decimals).

    Raises:
        TariffError: naming ``source`` and the offending field.
    """
    reader = _Reader(source)
    if not isinstance(data, dict):
        raise reader.fail("(top)", "must be a JSON object")
    known = {"id", "name", "source", "currency", "tax_rate_percent", "example", "versions", "note"}
    for key in data:
        if key not in known:
            raise reader.fail(key, f"unknown field; expected one of {sorted(known)}")
    raw_versions = reader.get(data, "versions", "")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise reader.fail("versions", "must be a non-empty list")
    versions = [_version(reader, v, f"versions[{i}].") for i, v in enumerate(raw_versions)]
    _check_no_overlap(reader, versions)
    example = data.get("example", False)
    if not isinstance(example, bool):
        raise reader.fail("example", "must be true or false")
    return Tariff(
        tariff_id=reader.text(data, "id", ""),
        name=reader.text(data, "name", ""),
        source=reader.text(data, "source", "", "unspecified"),
        currency=reader.text(data, "currency", "", "JPY"),
        tax_rate_percent=reader.number(data, "tax_rate_percent", "", "10"),
        example=example,
        versions=tuple(versions),
    )
