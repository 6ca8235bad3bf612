"""What a charging profile must be before it is sent (OCPP 1.6 §3.13, §7.8-7.13; 2.0.1 K01 and
its data types), and what the station said it can take: chargers reject profiles beyond their
``ChargeProfileMaxStackLevel`` (2.0.1 ``SmartChargingCtrlr.ProfileStackLevel``), the units
they do not allow, or more periods than they hold, so those are refused here with the reason
(409) instead of being sent to fail.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from csms.errors import Conflict, InvalidInput
from csms.records import frozen
from csms.station_commands.profiles import KINDS, PURPOSES, UNITS, ChargingProfileSpec


@frozen
class StationLimits:
    """A station's smart-charging limits as it reported them (None: not reported)."""

    max_stack_level: int | None = None
    units: tuple[str, ...] | None = None
    max_periods: int | None = None


def check_profile(profile: ChargingProfileSpec) -> None:
    """The profile's own rules; InvalidInput (400) naming the first problem."""
    if profile.purpose not in PURPOSES:
        raise InvalidInput(f"purpose must be one of {sorted(PURPOSES)}")
    if profile.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {sorted(KINDS)}")
    if (profile.kind == "Recurring") != (profile.recurrency is not None):
        raise InvalidInput("recurrency (Daily or Weekly) is given exactly for a Recurring profile")
    if profile.recurrency not in (None, "Daily", "Weekly"):
        raise InvalidInput("recurrency must be Daily or Weekly")
    if profile.stack_level < 0:
        raise InvalidInput("stack_level must be 0 or more")
    if profile.valid_from and profile.valid_to and profile.valid_to <= profile.valid_from:
        raise InvalidInput("valid_to must be after valid_from")
    if profile.transaction_id is not None and profile.purpose != "TxProfile":
        raise InvalidInput("only a TxProfile is bound to a session")
    _check_schedule(profile)


def _check_schedule(profile: ChargingProfileSpec) -> None:
    schedule = profile.schedule
    if schedule.unit not in UNITS:
        raise InvalidInput("schedule.unit must be A or W")
    if not schedule.periods or schedule.periods[0].start_s != 0:
        raise InvalidInput("schedule.periods must start with a period at start_s 0")
    starts = [period.start_s for period in schedule.periods]
    if starts != sorted(set(starts)):
        raise InvalidInput("schedule.periods must have strictly increasing start_s")
    for period in schedule.periods:
        _check_rate(period.limit, "limit")
        if period.phases not in (None, 1, 2, 3):
            raise InvalidInput("phases must be 1, 2 or 3")
    if schedule.min_rate is not None:
        _check_rate(schedule.min_rate, "min_rate")
    if schedule.duration_s is not None and schedule.duration_s <= 0:
        raise InvalidInput("schedule.duration_s must be positive")


def _check_rate(value: Decimal, what: str) -> None:
    """A rate is 0 or more with at most one decimal (1.6 multipleOf 0.1, 2.0.1 the same)."""
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{what} must be a number of 0 or more")
    if value != value.quantize(Decimal("0.1"), rounding=ROUND_DOWN):  # a check, not a rounding
        raise InvalidInput(f"{what} may have at most one decimal: {value}")


def check_station_limits(profile: ChargingProfileSpec, limits: StationLimits) -> None:
    """Refuse (409) what the station said it cannot take."""
    top = limits.max_stack_level
    if top is not None and profile.stack_level > top:
        raise Conflict(f"the station takes stack levels up to {top}, not {profile.stack_level}")
    if limits.units is not None and profile.schedule.unit not in limits.units:
        raise Conflict(f"the station takes limits in {', '.join(limits.units)} only")
    most = limits.max_periods
    if most is not None and len(profile.schedule.periods) > most:
        raise Conflict(f"the station holds at most {most} periods per schedule")


_UNIT_NAMES = {"CURRENT": "A", "POWER": "W", "A": "A", "W": "W"}


def _units(text: str) -> tuple[str, ...] | None:
    """1.6 ``Current,Power`` or 2.0.1 ``A,W`` as our units; None when none is readable."""
    found = tuple(
        _UNIT_NAMES[u] for u in (p.strip().upper() for p in text.split(",")) if u in _UNIT_NAMES
    )
    return found or None


def limits_from_configuration(values: dict[str, str]) -> StationLimits:
    """The limits from the station's configuration (1.6 keys or 2.0.1 variable names)."""
    level = values.get("ChargeProfileMaxStackLevel") or values.get("ProfileStackLevel")
    units = values.get("ChargingScheduleAllowedChargingRateUnit") or values.get("RateUnit")
    periods = values.get("ChargingScheduleMaxPeriods") or values.get("PeriodsPerSchedule")
    return StationLimits(
        max_stack_level=int(level) if level and level.isdigit() else None,
        units=_units(units) if units else None,
        max_periods=int(periods) if periods and periods.isdigit() else None,
    )
