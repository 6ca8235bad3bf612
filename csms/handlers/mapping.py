"""What the 1.6 and 2.0.1 mappings share: the boot answer, and reading sampled values.

Each version's ``mapping`` passes its own answer class and enum, or its own sample fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from csms.handlers.wire.codec import format_timestamp, parse_timestamp
from csms.settlement.models import MeterSample
from csms.stations.commands import StationBooted

Answer = TypeVar("Answer")


def boot_answer(
    booted: StationBooted, answer: Callable[..., Answer], status: Callable[[str], Any]
) -> Answer:
    """A BootNotification answer: the time, the heartbeat interval, Accepted or Pending."""
    return answer(
        current_time=format_timestamp(booted.current_time),
        interval=booted.heartbeat_interval_s,
        status=status("Accepted" if booted.accepted else "Pending"),
    )


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
