"""csms.charging.commands"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from csms.authorization.models import AuthorizationResult, IdToken
from csms.charging.models import Session
from csms.settlement.models import MeterSample


@dataclass(frozen=True, slots=True)
class StartSession:
    """A 1.6-style start: the central system assigns the transaction id."""

    station_id: str
    ocpp_version: str
    evse_id: int
    connector_id: int
    id_token: IdToken
    meter_start_wh: Decimal
    started_at: datetime


@dataclass(frozen=True, slots=True)
class SessionStarted:
    transaction_id: str
    authorization: AuthorizationResult
    replayed: bool


class TransactionEventKind(enum.StrEnum):
    STARTED = "Started"
    UPDATED = "Updated"
    ENDED = "Ended"


@dataclass(frozen=True, slots=True)
class RecordTransactionEvent:
    """A 2.0.1-style event: the station owns the transaction id (E01-E15)."""

    station_id: str
    ocpp_version: str
    kind: TransactionEventKind
    transaction_id: str
    seq_no: int
    timestamp: datetime
    trigger_reason: str
    offline: bool
    evse_id: int | None
    connector_id: int | None
    id_token: IdToken | None
    stopped_reason: str | None
    samples: tuple[MeterSample, ...] = field(default=())
    remote_start_id: int | None = None


@dataclass(frozen=True, slots=True)
class TransactionEventRecorded:
    authorization: AuthorizationResult | None
    replayed: bool
    session: Session | None
    total_cost: Decimal | None = None  # 2.0.1 totalCost: the statement's total, on Ended


@dataclass(frozen=True, slots=True)
class RecordMeterValues:
    station_id: str
    evse_id: int
    transaction_id: str | None
    samples: tuple[MeterSample, ...]


@dataclass(frozen=True, slots=True)
class EndSession:
    """A 1.6-style stop (StopTransaction): meter_stop is the register at stop."""

    station_id: str
    transaction_id: str
    stopped_at: datetime
    meter_stop_wh: Decimal
    reason: str | None
    id_token: IdToken | None
    samples: tuple[MeterSample, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SessionEnded:
    authorization: AuthorizationResult | None
    session: Session | None
    replayed: bool
    unmatched: bool
