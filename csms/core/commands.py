"""Commands into the core (imperative names) and their results (past tense), style.md §4."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.core.models import AuthorizationResult, IdToken, MeterSample, Session


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


@dataclass(frozen=True, slots=True)
class RecordStationEvent:
    station_id: str
    kind: str
    occurred_at: datetime | None
    payload: dict[str, Any]


# --- operator commands to stations (through the StationGateway port) -------------------


@dataclass(frozen=True, slots=True)
class GetConfiguration:
    """1.6 GetConfiguration / 2.0.1 GetVariables. ``keys`` as ``Component.Variable`` in 2.0.1."""

    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SetConfiguration:
    """1.6 ChangeConfiguration / 2.0.1 SetVariables."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class TriggerMessage:
    message: str
    evse_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reset:
    hard: bool = False


@dataclass(frozen=True, slots=True)
class UnlockConnector:
    evse_id: int
    connector_id: int = 1


@dataclass(frozen=True, slots=True)
class ChangeAvailability:
    operative: bool
    evse_id: int | None = None


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The station's answer: a status word where the action has one, and the full payload."""

    action: str
    status: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LocalListEntry:
    """One card on a local authorization list; ``authorization`` None removes it."""

    id_token: str
    kind: str
    authorization: AuthorizationResult | None


@dataclass(frozen=True, slots=True)
class SendLocalList:
    """1.6 SendLocalList / 2.0.1 SendLocalList (D01, D02)."""

    version: int
    full: bool
    entries: tuple[LocalListEntry, ...]


@dataclass(frozen=True, slots=True)
class GetLocalListVersion:
    """1.6 GetLocalListVersion / 2.0.1 GetLocalListVersion (D02)."""


@dataclass(frozen=True, slots=True)
class RemoteStart:
    """1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction (F01)."""

    evse_id: int
    id_token: str
    remote_start_id: int


@dataclass(frozen=True, slots=True)
class RemoteStop:
    """1.6 RemoteStopTransaction / 2.0.1 RequestStopTransaction (F03)."""

    transaction_id: str


StationCommand = (
    GetConfiguration
    | SetConfiguration
    | TriggerMessage
    | Reset
    | UnlockConnector
    | ChangeAvailability
    | SendLocalList
    | GetLocalListVersion
    | RemoteStart
    | RemoteStop
)
