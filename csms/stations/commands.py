"""csms.stations.commands"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class BootStation:
    station_id: str
    ocpp_version: str
    vendor: str
    model: str
    serial_number: str | None
    firmware_version: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StationBooted:
    """``accepted`` False means Pending: retry the boot after ``heartbeat_interval_s``."""

    accepted: bool
    heartbeat_interval_s: int
    current_time: datetime


@dataclass(frozen=True, slots=True)
class RecordStatus:
    station_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class RecordStationEvent:
    station_id: str
    kind: str
    occurred_at: datetime | None
    payload: dict[str, Any]
