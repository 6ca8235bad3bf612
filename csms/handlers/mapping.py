"""What the 1.6 and 2.0.1 mappings share: the boot answer, raw Calls, reading sampled values.

Each version's ``mapping`` passes its own answer class and enum, or its own sample fields.
A sampled value that cannot be read (off its schema, a value that is no number, a
multiplier out of range) is kept as an unreadable sample: the value as sent and why; the
message that carries it is taken (a StopTransaction is never refused for a Voltage "").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Set
from datetime import datetime
from decimal import InvalidOperation
from typing import Any, Final, TypeVar

from csms.errors import InvalidInput
from csms.handlers.wire.codec import format_timestamp, parse_timestamp, to_camel
from csms.handlers.wire.schemas import sampled_value_problem
from csms.settlement.models import MeterSample
from csms.station_commands.profiles import ChargingSchedule
from csms.stations.commands import StationBooted

Answer = TypeVar("Answer")
_INT32: Final = 2**31 - 1
UNREADABLE_MEASURAND: Final = "unreadable"
MAX_MEASURAND: Final = 50


def boot_answer(
    booted: StationBooted, answer: Callable[..., Answer], status: Callable[[str], Any]
) -> Answer:
    """A BootNotification answer: the time, the heartbeat interval, Accepted or Pending."""
    return answer(
        current_time=format_timestamp(booted.current_time),
        interval=booted.heartbeat_interval_s,
        status=status("Accepted" if booted.accepted else "Pending"),
    )


def raw_call(
    actions: Set[str], version: str, action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """A generic call's payload as given (the connection checks it against the schema), if
    ``action`` is one a central system sends in ``version``; else InvalidInput."""
    if action not in actions:
        raise InvalidInput(
            f"{action!r} is not a call a central system sends in OCPP {version}; "
            f"known: {', '.join(sorted(actions))}"
        )
    return dict(payload)


def sampled_values(meter_value: list[dict[str, Any]]) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """Each sampled value of a MeterValue list (snake_case keys) with its entry's time."""
    for entry in meter_value:
        sampled_at = parse_timestamp(entry["timestamp"])
        for sampled in entry["sampled_value"]:
            yield sampled_at, sampled


def to_sample(sampled_at: datetime, sampled: dict[str, Any], **version_fields: Any) -> MeterSample:
    """A sample: the fields both versions spell alike (and their defaults), and the others."""
    return MeterSample(
        sampled_at=sampled_at,
        measurand=sampled.get("measurand", "Energy.Active.Import.Register"),
        phase=sampled.get("phase"),
        context=sampled.get("context", "Sample.Periodic"),
        location=sampled.get("location"),
        **version_fields,
    )


def read_samples(
    meter_value: list[dict[str, Any]],
    schema_package: str,
    read: Callable[[datetime, dict[str, Any]], MeterSample],
) -> tuple[MeterSample, ...]:
    """Every sampled value as a sample (``read`` is the version's), a bad one as unreadable."""
    samples = []
    for sampled_at, sampled in sampled_values(meter_value):
        problem = sampled_value_problem(schema_package, to_camel(sampled))
        if problem is None:
            try:
                sample = read(sampled_at, sampled)
            except (InvalidInput, InvalidOperation, ValueError, TypeError, KeyError) as exc:
                problem = str(exc)
            else:
                if -_INT32 - 1 <= sample.multiplier <= _INT32:
                    samples.append(sample)
                    continue
                problem = f"multiplier {sample.multiplier} is out of range"
        samples.append(unreadable_sample(sampled_at, sampled, problem))
    return tuple(samples)


def unreadable_sample(sampled_at: datetime, sampled: dict[str, Any], problem: str) -> MeterSample:
    """A sampled value kept as sent (JSON, camelCase) with why it cannot be read; no value."""
    measurand = sampled.get("measurand")
    return MeterSample(
        sampled_at=sampled_at,
        # OCPP measurands are short names; anything else is not one (and must fit the index)
        measurand=measurand
        if isinstance(measurand, str) and len(measurand) <= MAX_MEASURAND
        else UNREADABLE_MEASURAND,
        value=None,
        raw_value=json.dumps(to_camel(sampled), default=str, sort_keys=True),
        unreadable=problem,
    )


def schedule_fields(schedule: ChargingSchedule) -> dict[str, Any]:
    """A charging schedule's fields both versions spell alike (snake_case for the library)."""
    periods = []
    for period in schedule.periods:
        item: dict[str, Any] = {"start_period": period.start_s, "limit": period.limit}
        if period.phases is not None:
            item["number_phases"] = period.phases
        periods.append(item)
    body: dict[str, Any] = {
        "charging_rate_unit": schedule.unit,
        "charging_schedule_period": periods,
    }
    if schedule.start is not None:
        body["start_schedule"] = format_timestamp(schedule.start)
    if schedule.duration_s is not None:
        body["duration"] = schedule.duration_s
    if schedule.min_rate is not None:
        body["min_charging_rate"] = schedule.min_rate
    return body
