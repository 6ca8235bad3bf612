"""Price one session: pick the version in force at the start (JST), price each component,
truncate each to the yen, add, and compute the included tax once.

Rules (the billing rules of the project's specification):
* the version in force at the session's **start**, as a JST date, prices the whole session
  (004 別表2 periods; 002 第10条); none in force is an error, never a price of 0;
* a session that delivered 0 Wh pays no charging fee under any tariff (000), and the quote
  says why; any energy at all pays in full, flat fee included;
* components are priced and truncated on their own, then added (rounding.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Final

from csms.billing.money import Duration, Energy, exact
from csms.billing.rounding import (
    included_tax,
    kwh_in_steps_up,
    kwh_truncated,
    started_minutes,
    yen_truncated,
)
from csms.billing.tariff import (
    Component,
    EnergyPerKwh,
    FlatFee,
    Tariff,
    TimeBlock,
    TimePerMinute,
)

JST: Final = timezone(timedelta(hours=9), "JST")
ZERO_ENERGY_WAIVER: Final = (
    "no energy was delivered: no charging fee (seed 000: 故障などにより充電が開始できない場合は、"
    "課金されることはありません)"
)


class NoTariffInForce(ValueError):
    """No version of the tariff is in force on the session's start date (JST)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One statement line: what, billed quantity with its unit, unit price, amount in yen."""

    kind: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    tariff_id: str
    tariff_version: str
    currency: str
    lines: tuple[Line, ...]
    total: Decimal
    tax_included: Decimal
    tax_rate_percent: Decimal
    waiver: str | None


def _block_lines(part: TimeBlock, minutes: int) -> list[Line]:
    lines = [
        Line(
            "time_block",
            Decimal(min(minutes, part.block_minutes)),
            "min",
            part.block_price,
            part.block_price,
        )
    ]
    extra = max(minutes - part.block_minutes, 0)
    if extra:
        lines.append(
            Line(
                "time",
                Decimal(extra),
                "min",
                part.per_minute_price,
                yen_truncated(part.per_minute_price * extra),
            )
        )
    return lines


def _energy_line(part: EnergyPerKwh, energy: Energy) -> Line:
    if part.step_rounding == "up":
        kwh = kwh_in_steps_up(energy, part.step_kwh)
    else:
        kwh = kwh_truncated(energy, part.step_kwh)
    kwh = max(kwh, part.minimum_kwh)
    return Line("energy", kwh, "kWh", part.price_per_kwh, yen_truncated(part.price_per_kwh * kwh))


def component_lines(part: Component, duration: Duration, energy: Energy) -> list[Line]:
    """The lines of one component, each amount already truncated to the yen."""
    if isinstance(part, FlatFee):
        return [Line("flat", Decimal(1), "session", part.price, yen_truncated(part.price))]
    if isinstance(part, TimeBlock):
        return _block_lines(part, started_minutes(duration))
    if isinstance(part, TimePerMinute):
        minutes = max(started_minutes(duration), part.minimum_minutes)
        return [
            Line(
                "time",
                Decimal(minutes),
                "min",
                part.per_minute_price,
                yen_truncated(part.per_minute_price * minutes),
            )
        ]
    return [_energy_line(part, energy)]


def price_session(
    tariff: Tariff, start: datetime, stop: datetime, energy_wh: Decimal | int | str
) -> Quote:
    """Price one session.

    Args:
        start, stop: aware datetimes (any offset); compared as instants.
        energy_wh: delivered energy in Wh, exact (str, int or Decimal; a float raises).

    Raises:
        NoTariffInForce: no version covers the start's JST date.
        ValueError, TypeError: naive datetimes, stop before start, negative or float energy.
    """
    if start.tzinfo is None or stop.tzinfo is None:
        raise ValueError("start and stop must carry a UTC offset")
    energy = Energy(exact(energy_wh, "energy_wh"))
    duration = Duration(_seconds_between(start, stop))
    start_day = start.astimezone(JST).date()
    version = tariff.version_on(start_day)
    if version is None:
        raise NoTariffInForce(
            f"tariff {tariff.tariff_id!r} has no version in force on {start_day} (JST), "
            f"the session's start"
        )
    waiver = ZERO_ENERGY_WAIVER if energy.wh == 0 else None
    parts = () if waiver is not None else version.components
    lines = tuple(line for part in parts for line in component_lines(part, duration, energy))
    total = sum((line.amount for line in lines), Decimal(0))
    return Quote(
        tariff_id=tariff.tariff_id,
        tariff_version=version.version,
        currency=tariff.currency,
        lines=lines,
        total=total,
        tax_included=included_tax(total, tariff.tax_rate_percent),
        tax_rate_percent=tariff.tax_rate_percent,
        waiver=waiver,
    )


def _seconds_between(start: datetime, stop: datetime) -> Decimal:
    """Exact seconds between two instants (timedelta holds whole microseconds)."""
    delta = stop - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / Decimal(1_000_000)


def quote_as_dict(quote: Quote) -> dict[str, object]:
    """The quote contract: money as strings of integer yen, quantities as exact strings."""
    result: dict[str, object] = {
        "tariff_id": quote.tariff_id,
        "tariff_version": quote.tariff_version,
        "lines": [
            {
                "kind": line.kind,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
            }
            for line in quote.lines
        ],
        "total": str(quote.total),
        "tax_included": str(quote.tax_included),
        "currency": quote.currency,
    }
    if quote.waiver:
        result["waiver"] = quote.waiver
    return result
