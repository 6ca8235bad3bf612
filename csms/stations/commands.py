"""csms.stations.commands"""

from __future__ import annotations

from datetime import datetime

from csms.records import frozen
from csms.stations.models import StationEvent


@frozen
class BootStation:
    station_id: str
    ocpp_version: str
    vendor: str
    model: str
    serial_number: str | None
    firmware_version: str | None
    received_at: datetime


@frozen
class StationBooted:
    """``accepted`` False means Pending: retry the boot after ``heartbeat_interval_s``."""

    accepted: bool
    heartbeat_interval_s: int
    current_time: datetime


@frozen
class RecordStatus:
    station_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    timestamp: datetime


RecordStationEvent = StationEvent  # the command is the event as it is kept
