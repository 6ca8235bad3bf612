"""csms.stations.models"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms.records import frozen


@frozen
class Station:
    station_id: str
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    ocpp_version: str | None = None
    connected: bool = False
    last_seen_at: datetime | None = None
    last_boot_at: datetime | None = None
    created_at: datetime | None = None
    has_password: bool = False
    security_profile: int = 0


@frozen
class ConnectorStatus:
    station_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    status_at: datetime


@frozen
class StationEvent:
    """Something a station reported that is kept for the operator (NotifyEvent, ...)."""

    station_id: str
    kind: str
    occurred_at: datetime | None
    payload: dict[str, Any]
