"""The version-neutral profile as JSON (the API's body and the stored ``profile`` column):
``{"purpose", "stack_level", "kind", "recurrency"?, "valid_from"?, "valid_to"?,
"schedule": {"unit", "start"?, "duration_s"?, "min_rate"?, "periods": [{"start_s", "limit",
"phases"?}]}}``; limits exact (a string or an integer; JSON numbers are read as Decimal by
the API, never as float)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from csms.errors import InvalidInput
from csms.station_commands.profiles import ChargingProfileSpec, ChargingSchedule, SchedulePeriod


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, (bool, float)):
        raise InvalidInput(f"{what} must be an exact number (a string or an integer)")
    try:
        return Decimal(value) if isinstance(value, (int, str, Decimal)) else _bad(what)
    except InvalidOperation:
        return _bad(what)


def _bad(what: str) -> Decimal:
    raise InvalidInput(f"{what} must be a number")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value != int(value):
        raise InvalidInput(f"{what} must be an integer")
    return int(value)


def _moment(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{what} must be ISO 8601 with a UTC offset") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{what} must carry a UTC offset")
    return moment


def _period(item: Any, index: int) -> SchedulePeriod:
    if not isinstance(item, dict):
        raise InvalidInput(f"schedule.periods[{index}] must be an object")
    phases = item.get("phases")
    return SchedulePeriod(
        _int(item.get("start_s"), f"schedule.periods[{index}].start_s"),
        _decimal(item.get("limit"), f"schedule.periods[{index}].limit"),
        _int(phases, f"schedule.periods[{index}].phases") if phases is not None else None,
    )


def _schedule(data: Any) -> ChargingSchedule:
    if not isinstance(data, dict) or not isinstance(data.get("periods"), list):
        raise InvalidInput("schedule must be an object with a list of periods")
    duration, min_rate = data.get("duration_s"), data.get("min_rate")
    return ChargingSchedule(
        unit=str(data.get("unit")),
        periods=tuple(_period(item, i) for i, item in enumerate(data["periods"])),
        start=_moment(data.get("start"), "schedule.start"),
        duration_s=_int(duration, "schedule.duration_s") if duration is not None else None,
        min_rate=_decimal(min_rate, "schedule.min_rate") if min_rate is not None else None,
    )


def spec_of(
    data: Any, profile_id: int = 0, transaction_id: str | None = None
) -> ChargingProfileSpec:
    """The neutral profile of ``data`` (InvalidInput naming the first bad field)."""
    if not isinstance(data, dict):
        raise InvalidInput("profile must be an object")
    return ChargingProfileSpec(
        profile_id=profile_id,
        purpose=str(data.get("purpose")),
        stack_level=_int(data.get("stack_level", 0), "stack_level"),
        kind=str(data.get("kind", "Absolute")),
        schedule=_schedule(data.get("schedule")),
        recurrency=data.get("recurrency"),
        valid_from=_moment(data.get("valid_from"), "valid_from"),
        valid_to=_moment(data.get("valid_to"), "valid_to"),
        transaction_id=transaction_id,
    )


def json_of(spec: ChargingProfileSpec) -> dict[str, Any]:
    """The neutral JSON of a profile (exact decimals as text; no ids)."""
    schedule = spec.schedule
    periods = [
        {"start_s": p.start_s, "limit": str(p.limit), **({"phases": p.phases} if p.phases else {})}
        for p in schedule.periods
    ]
    body: dict[str, Any] = {
        "purpose": spec.purpose,
        "stack_level": spec.stack_level,
        "kind": spec.kind,
        "schedule": {"unit": schedule.unit, "periods": periods},
    }
    optional = {
        "recurrency": spec.recurrency,
        "valid_from": spec.valid_from.isoformat() if spec.valid_from else None,
        "valid_to": spec.valid_to.isoformat() if spec.valid_to else None,
    }
    body |= {key: value for key, value in optional.items() if value is not None}
    extra = {
        "start": schedule.start.isoformat() if schedule.start else None,
        "duration_s": schedule.duration_s,
        "min_rate": str(schedule.min_rate) if schedule.min_rate is not None else None,
    }
    body["schedule"] |= {key: value for key, value in extra.items() if value is not None}
    return body
