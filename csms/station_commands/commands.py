"""csms.station_commands.commands"""

from __future__ import annotations

from typing import Any

from csms.authorization.models import AuthorizationResult
from csms.records import frozen


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
    hard: bool = False


@frozen
class UnlockConnector:
    evse_id: int
    connector_id: int = 1


@frozen
class ChangeAvailability:
    operative: bool
    evse_id: int | None = None


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
    """1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction (F01)."""

    evse_id: int
    id_token: str
    remote_start_id: int


@frozen
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
