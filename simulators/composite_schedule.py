"""GetCompositeSchedule: the composite limit of a connector over a duration from now.

1.6 §5.7 / §3.13.4 and 2.0.1 K08: the schedule starts now (``scheduleStart``) and lasts the
requested ``duration``; its periods are where the composite limit (``composite.limit_at``)
changes, at whole seconds from the start. A stretch no profile limits is reported at the
charger's own maximum (its rated power); a limit is reported as the profiles give it, not
capped by that maximum. The unit is the requested one, else A on 1.6 and W on 2.0.1; a limit
in A is W / (230 V × phases) on AC (the winning period's numberPhases, default 3, is sent when
that period gave it) and W / 400 V on DC, rounded down to 0.1 A (limits are ``int``, or
``Decimal`` with one digit, never float). Rejected for an unknown connector and when no
profile limits the connector during the duration.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from simulators.composite import Limit, changes, limit_at
from simulators.schedules import DEFAULT_PHASES, seconds, volts
from simulators.state import StationState, iso

Point = tuple[int, Limit | None]  # seconds from the start, the limit from then on


def points(state: StationState, connector: int, start: datetime, duration_s: int) -> list[Point]:
    """The composite limit of ``connector`` over ``duration_s`` from ``start``: where it
    changes (whole seconds, rounded up) and what it is from then on."""
    schedules = state.applied_schedules()
    session = state.session(connector)
    end = start + timedelta(seconds=duration_s)
    cuts = changes(schedules, connector, start, end, session)
    offsets = sorted({0} | {math.ceil(seconds(m - start)) for m in cuts} - {duration_s})
    found: list[Point] = []
    for offset in offsets:
        moment = start + timedelta(seconds=offset)
        limit = limit_at(schedules, connector, moment, session, state.profile.current, start)
        if not found or found[-1][1] != limit:
            found.append((offset, limit))
    return found


def in_unit(limit_w: Fraction, phases: int, unit: str, current: str) -> int | Decimal:
    """A limit in W as the requested unit, rounded down to 0.1."""
    value = limit_w if unit == "W" else limit_w / (volts(current) * phases)
    tenths = math.floor(value * 10)
    return tenths // 10 if tenths % 10 == 0 else Decimal(tenths).scaleb(-1)


def periods(state: StationState, found: list[Point], unit: str) -> list[dict[str, Any]]:
    """The chargingSchedulePeriods of the points (gaps at the charger's rated power)."""
    current = state.profile.current
    phases = 1 if current == "DC" else DEFAULT_PHASES
    rated = Limit(Fraction(state.profile.max_power_w), phases, False)
    result = []
    for offset, limit in found:
        shown = limit or rated
        period: dict[str, Any] = {
            "startPeriod": offset,
            "limit": in_unit(max(Fraction(0), shown.watts), shown.phases, unit, current),
        }
        if shown.phases_given:
            period["numberPhases"] = shown.phases
        result.append(period)
    return result


def composite(
    state: StationState, connector: int, duration_s: int, unit: str
) -> dict[str, Any] | None:
    """The schedule fields both versions share (``duration``, ``chargingRateUnit``,
    ``chargingSchedulePeriod``, ``scheduleStart``), or None when the answer is Rejected."""
    if not 0 <= connector <= state.profile.connectors or duration_s < 0:
        return None
    start = state.clock.now()
    found = points(state, connector, start, duration_s)
    if all(limit is None for _, limit in found):
        return None
    return {
        "duration": duration_s,
        "scheduleStart": iso(start),
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": periods(state, found, unit),
    }


def answer_16(connector: int, fields: dict[str, Any]) -> dict[str, Any]:
    """1.6 §6.27 GetCompositeSchedule.conf: connectorId, scheduleStart, chargingSchedule."""
    schedule = {key: value for key, value in fields.items() if key != "scheduleStart"}
    schedule["startSchedule"] = fields["scheduleStart"]
    return {
        "status": "Accepted",
        "connectorId": connector,
        "scheduleStart": fields["scheduleStart"],
        "chargingSchedule": schedule,
    }


def answer_201(connector: int, fields: dict[str, Any]) -> dict[str, Any]:
    """2.0.1 K08 GetCompositeScheduleResponse: status and schedule (CompositeScheduleType)."""
    return {"status": "Accepted", "schedule": {"evseId": connector, **fields}}
