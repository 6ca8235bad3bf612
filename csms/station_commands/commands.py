"""Operator commands to a station, version-neutral; each version's ``mapping.to_call`` carries
them (1.6 and 2.0.1), ``RawCall`` carries any CSMS-to-station action of the station's version
as given."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.authorization.models import AuthorizationResult
from csms.records import frozen
from csms.station_commands.profiles import (
    ClearChargingProfile,
    GetCompositeSchedule,
    SetChargingProfile,
)


@frozen
class GetConfiguration:
    """1.6 GetConfiguration / 2.0.1 GetVariables. ``keys`` as ``Component.Variable`` in 2.0.1."""

    keys: tuple[str, ...] = ()


@frozen
class SetConfiguration:
    """1.6 ChangeConfiguration / 2.0.1 SetVariables."""

    key: str
    value: str


@frozen
class TriggerMessage:
    message: str
    evse_id: int | None = None


@frozen
class Reset:
    """1.6 Reset (Soft, Hard) / 2.0.1 Reset (OnIdle, Immediate; B11, B12).

    ``kind`` is any of the four: Soft is OnIdle and Hard is Immediate in the other version.
    """

    kind: str = "Soft"
    evse_id: int | None = None  # 2.0.1 only


@frozen
class UnlockConnector:
    evse_id: int
    connector_id: int = 1


@frozen
class ChangeAvailability:
    operative: bool
    evse_id: int | None = None


@frozen
class SetConfigurationValues:
    """Several keys at once: 2.0.1 SetVariables; 1.6 takes one per ChangeConfiguration."""

    values: tuple[tuple[str, str], ...]


@frozen
class ClearCache:
    """1.6 ClearCache / 2.0.1 ClearCache (C11)."""


@frozen
class DataTransfer:
    """1.6 DataTransfer / 2.0.1 DataTransfer (P01)."""

    vendor_id: str
    message_id: str | None = None
    data: Any = None


@frozen
class UpdateFirmware:
    """1.6 UpdateFirmware / 2.0.1 UpdateFirmware (L01) with ``request_id``."""

    location: str
    retrieve_at: datetime
    request_id: int
    retries: int | None = None
    retry_interval_s: int | None = None


@frozen
class GetDiagnostics:
    """1.6 GetDiagnostics / 2.0.1 GetLog of the DiagnosticsLog (N01) with ``request_id``."""

    location: str
    request_id: int
    start: datetime | None = None
    stop: datetime | None = None


@frozen
class RawCall:
    """Any CSMS-to-station action of the station's version, its payload (camelCase) as given."""

    action: str
    payload: dict[str, Any]


@frozen
class CommandResult:
    """The station's answer: a status word where the action has one, and the full payload."""

    action: str
    status: str | None
    payload: dict[str, Any]


@frozen
class LocalListEntry:
    """One card on a local authorization list; ``authorization`` None removes it."""

    id_token: str
    kind: str
    authorization: AuthorizationResult | None


@frozen
class SendLocalList:
    """1.6 SendLocalList / 2.0.1 SendLocalList (D01, D02)."""

    version: int
    full: bool
    entries: tuple[LocalListEntry, ...]


@frozen
class GetLocalListVersion:
    """1.6 GetLocalListVersion / 2.0.1 GetLocalListVersion (D02)."""


@frozen
class RemoteStart:
    """1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction (F01): the token as given."""

    evse_id: int | None
    id_token: str
    remote_start_id: int
    charging_profile: dict[str, Any] | None = None  # the version's profile, camelCase


@frozen
class RemoteStop:
    """1.6 RemoteStopTransaction / 2.0.1 RequestStopTransaction (F03)."""

    transaction_id: str


@frozen
class ReserveNow:
    """1.6 ReserveNow (§5.13, connector 0 = any) / 2.0.1 ReserveNow (H01, no EVSE = any)."""

    reservation_id: int
    evse_id: int | None
    id_token: str
    token_kind: str  # 2.0.1 IdTokenEnumType of the token the station will see
    expires_at: datetime
    connector_type: str | None = None  # 2.0.1 only


@frozen
class CancelReservation:
    """1.6 CancelReservation (§5.1) / 2.0.1 CancelReservation (H02)."""

    reservation_id: int


@frozen
class CostUpdated:
    """2.0.1 CostUpdated (I03): the running cost of a transaction, tax included."""

    transaction_id: str
    total_cost: Decimal


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
    | SetConfigurationValues
    | ClearCache
    | DataTransfer
    | UpdateFirmware
    | GetDiagnostics
    | ReserveNow
    | CancelReservation
    | SetChargingProfile
    | ClearChargingProfile
    | GetCompositeSchedule
    | CostUpdated
    | RawCall
)
