"""Charging sessions as the central system keeps them (one per station transaction)."""

from __future__ import annotations

import enum
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from csms.authorization.models import TokenKind, TokenStatus
from csms.records import frozen
from csms.settlement.models import MeterSample


class SessionState(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


@frozen
class Session:
    session_id: UUID
    station_id: str
    evse_id: int | None  # None: the station did not say (never invented)
    connector_id: int | None
    transaction_id: str
    ocpp_version: str
    id_token: str | None
    token_kind: TokenKind | None
    authorization_status: TokenStatus | None
    started_at: datetime
    stopped_at: datetime | None
    meter_start_wh: Decimal | None
    meter_stop_wh: Decimal | None
    energy_wh: Decimal | None
    stop_reason: str | None
    state: SessionState
    offline: bool = False
    last_seq_no: int | None = None
    samples: tuple[MeterSample, ...] = field(default=())
    visitor_id: UUID | None = None
    remote_start_id: int | None = None
    flag: str | None = None
    # how it ended when the station did not end it (charging.endings): its kind and who/why
    ending: dict[str, Any] | None = None
