"""A session's meter values as an SVG chart drawn on the server (no script, no library):
power (kW, from the samples of ``Power.Active.Import``, or else from the energy register's
steps) and energy delivered (kWh since the session's first register reading) over time.
Numbers stay exact Decimals, coordinates included (rounded to a tenth of a pixel)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any, Final

WIDTH: Final = 640
HEIGHT: Final = 220
PAD: Final = 40


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    points: list[tuple[datetime, Decimal]]


def _value(sample: dict[str, Any]) -> Decimal | None:
    """The sample's value in W or Wh; None for a signed or unreadable sample (no value)."""
    try:
        value = Decimal(str(sample["value"])) * Decimal(10) ** int(sample.get("multiplier") or 0)
    except (InvalidOperation, KeyError, TypeError, ValueError):
        return None
    if not value.is_finite():
        return None
    unit = str(sample.get("unit") or "")
    return value * 1000 if unit.startswith("k") else value


def _readings(samples: list[dict[str, Any]], measurand: str) -> list[tuple[datetime, Decimal]]:
    """The phase totals of one measurand with a value, in kW or kWh, oldest first."""
    found = []
    for sample in samples:
        if sample.get("measurand") != measurand or sample.get("phase"):
            continue
        value = _value(sample)
        if value is not None:
            found.append((datetime.fromisoformat(str(sample["sampled_at"])), value / 1000))
    return sorted(found)


def series_of(
    samples: list[dict[str, Any]], meter_start_wh: str | None = None
) -> tuple[Series, Series]:
    """(power kW, energy kWh since the session's start register, else its first reading)
    from the session's samples (phase totals only)."""
    register = _readings(samples, "Energy.Active.Import.Register")
    start = register[0][1] if register else Decimal(0)
    if meter_start_wh is not None and Decimal(meter_start_wh).is_finite():
        start = Decimal(meter_start_wh) / 1000
    energy = [(at, kwh - start) for at, kwh in register]
    power = _readings(samples, "Power.Active.Import")
    if not power and len(register) > 1:  # the register's steps as an average power
        power = []
        for (t0, e0), (t1, e1) in itertools.pairwise(register):
            hours = _seconds(t1 - t0) / 3600
            if hours > 0:
                power.append((t1, (e1 - e0) / hours))
    return Series("kW", "#c0392b", power), Series("kWh", "#1f5fa8", energy)


def _seconds(delta: timedelta) -> Decimal:
    """A duration in seconds, exactly (whole microseconds)."""
    return Decimal(delta // timedelta(microseconds=1)) / 1_000_000


def _pixel(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}"


def chart_svg(power: Series, energy: Series, labels: tuple[str, str]) -> str:
    """The two series on one time axis, each scaled to its own maximum (labelled)."""
    points = power.points + energy.points
    if not points:
        return ""
    first = min(at for at, _ in points)
    last = max(at for at, _ in points)
    span = max(_seconds(last - first), Decimal(1))
    parts = [
        f'<svg role="img" aria-label="{escape(labels[0])} / {escape(labels[1])}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" class="chart">',
        f'<rect x="{PAD}" y="10" width="{WIDTH - 2 * PAD}" height="{HEIGHT - PAD - 10}"'
        ' fill="none" stroke="#999"/>',
    ]
    for series, label, x_label in ((power, labels[0], PAD), (energy, labels[1], WIDTH - PAD)):
        if not series.points:
            continue
        top = max((v for _, v in series.points), default=Decimal(0)) or Decimal(1)
        path = " ".join(
            f"{_pixel(PAD + _seconds(at - first) / span * (WIDTH - 2 * PAD))},"
            f"{_pixel(HEIGHT - PAD - v / top * (HEIGHT - PAD - 20))}"
            for at, v in series.points
        )
        parts.append(
            f'<polyline fill="none" stroke="{series.colour}" stroke-width="2" points="{path}"/>'
        )
        anchor = "start" if x_label == PAD else "end"
        most = top.quantize(Decimal("0.01")).normalize()
        parts.append(
            f'<text x="{x_label}" y="{HEIGHT - 22}" fill="{series.colour}" font-size="12"'
            f' text-anchor="{anchor}">{escape(label)} (max {most:f})</text>'
        )
    parts.append(
        f'<text x="{WIDTH // 2}" y="{HEIGHT - 6}" font-size="11" text-anchor="middle">'
        f"{first:%H:%M}–{last:%H:%M} UTC</text></svg>"
    )
    return "".join(parts)
