"""OCPP 1.6J wire <-> core translations. No rules here: only shapes and names.

1.6 has no EVSE: a 1.6 connector is modelled as EVSE ``connectorId`` with connector 1,
and connector 0 (the whole charge point) as EVSE 0 connector 0. A 1.6 idTag has no type:
``TokenKind.UNKNOWN``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from ocpp.v16 import call, call_result, datatypes, enums

from csms.authorization.models import AuthorizationResult, IdToken, TokenKind, TokenStatus
from csms.authorization.rule import make_token
from csms.charging import commands as charging_cmd
from csms.errors import InvalidInput
from csms.handlers.mapping import boot_answer, raw_call, read_samples, to_sample
from csms.handlers.v16.reservation_calls import reservation_call
from csms.handlers.wire.codec import format_timestamp, parse_timestamp, to_snake
from csms.settlement.models import MeterSample
from csms.station_commands import commands as operator_cmd
from csms.stations import commands as station_cmd

VERSION = "1.6"


def to_evse(connector_id: int) -> tuple[int, int]:
    return (connector_id, 1 if connector_id else 0)


def to_token(id_tag: str) -> IdToken:
    return make_token(id_tag, TokenKind.UNKNOWN)


_STATUS_16 = {TokenStatus.NOT_AT_THIS_LOCATION: enums.AuthorizationStatus.invalid}


def from_authorization(result: AuthorizationResult) -> datatypes.IdTagInfo:
    """1.6 has no NotAtThisLocation: a card of another operator is Invalid there."""
    status = _STATUS_16.get(result.status) or enums.AuthorizationStatus(result.status.value)
    return datatypes.IdTagInfo(
        status=status,
        parent_id_tag=result.group_id,
        expiry_date=format_timestamp(result.expires_at) if result.expires_at else None,
    )


def to_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidInput(f"{what} {value!r} is not a number") from exc


def to_samples(meter_value: list[dict[str, Any]]) -> tuple[MeterSample, ...]:
    """1.6 MeterValue list (snake_case keys) to samples; SignedData kept verbatim; one
    that cannot be read (§7.31: e.g. ``value`` "") kept as unreadable."""
    return read_samples(meter_value, "v16", _sample)


def _sample(sampled_at: datetime, sv: dict[str, Any]) -> MeterSample:
    signed = sv.get("format") == "SignedData"
    return to_sample(
        sampled_at,
        sv,
        value=None if signed else to_decimal(sv["value"], "sampledValue.value"),
        unit=sv.get("unit", "Wh"),
        signed_data=sv["value"] if signed else None,
    )


def to_started(
    station_id: str,
    connector_id: int,
    id_tag: str,
    meter_start: int,
    timestamp: str,
    reservation_id: int | None = None,
) -> charging_cmd.RecordTransactionEvent:
    """StartTransaction (§4.8) as a started event whose transaction id we issue."""
    evse_id, connector = to_evse(connector_id)
    return charging_cmd.RecordTransactionEvent(
        station_id=station_id,
        ocpp_version=VERSION,
        kind=charging_cmd.TransactionEventKind.STARTED,
        transaction_id=None,
        timestamp=parse_timestamp(timestamp),
        evse_id=evse_id,
        connector_id=connector,
        id_token=to_token(id_tag),
        meter_start_wh=to_decimal(meter_start, "meterStart"),
        reservation_id=reservation_id,
    )


def start_transaction_result(
    recorded: charging_cmd.TransactionEventRecorded,
) -> call_result.StartTransaction:
    authorization = recorded.authorization
    assert authorization is not None  # a 1.6 start always carries an idTag
    return call_result.StartTransaction(
        transaction_id=int(recorded.transaction_id or 0),
        id_tag_info=from_authorization(authorization),
    )


def to_meter_values(
    station_id: str,
    connector_id: int,
    meter_value: list[dict[str, Any]],
    transaction_id: int | None = None,
    **_: Any,
) -> charging_cmd.RecordMeterValues:
    """MeterValues (§4.7): connector N is EVSE N; the transaction id as text, if any."""
    return charging_cmd.RecordMeterValues(
        station_id=station_id,
        evse_id=connector_id,
        transaction_id=str(transaction_id) if transaction_id is not None else None,
        samples=to_samples(meter_value),
    )


def to_ended(
    station_id: str,
    transaction_id: int,
    meter_stop: int,
    timestamp: str,
    reason: str | None = None,
    id_tag: str | None = None,
    transaction_data: list[dict[str, Any]] | None = None,
    **_: Any,
) -> charging_cmd.RecordTransactionEvent:
    """StopTransaction (§4.10) as an ended event; an absent reason means Local (§7.42)."""
    return charging_cmd.RecordTransactionEvent(
        station_id=station_id,
        ocpp_version=VERSION,
        kind=charging_cmd.TransactionEventKind.ENDED,
        transaction_id=str(transaction_id),
        timestamp=parse_timestamp(timestamp),
        id_token=to_token(id_tag) if id_tag else None,
        meter_stop_wh=to_decimal(meter_stop, "meterStop"),
        stop_reason=reason or "Local",
        samples=to_samples(transaction_data or []),
    )


def stop_transaction_result(
    recorded: charging_cmd.TransactionEventRecorded,
) -> call_result.StopTransaction:
    info = recorded.authorization
    return call_result.StopTransaction(id_tag_info=from_authorization(info) if info else None)


def boot_result(booted: station_cmd.StationBooted) -> call_result.BootNotification:
    return boot_answer(booted, call_result.BootNotification, enums.RegistrationStatus)


# The Calls a central system sends in 1.6 (§5, and the security whitepaper's)
CSMS_ACTIONS: Final = frozenset(
    {
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
        "ClearCache", "ClearChargingProfile", "DataTransfer", "DeleteCertificate",
        "ExtendedTriggerMessage", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics",
        "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "InstallCertificate",
        "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset",
        "SendLocalList", "SetChargingProfile", "SignedUpdateFirmware", "TriggerMessage",
        "UnlockConnector", "UpdateFirmware",
    }
)  # fmt: skip
_RESET: Final = {"Soft": "Soft", "Hard": "Hard", "OnIdle": "Soft", "Immediate": "Hard"}


def to_call(command: operator_cmd.StationCommand) -> Any:
    """An operator command as the 1.6 Call that carries it (a RawCall: its payload)."""
    match command:
        case operator_cmd.RawCall(action=action, payload=payload):
            return raw_call(CSMS_ACTIONS, VERSION, action, payload)
        case operator_cmd.GetConfiguration(keys=keys):
            return call.GetConfiguration(key=list(keys) or None)
        case operator_cmd.SetConfiguration(key=key, value=value):
            return call.ChangeConfiguration(key=key, value=value)
        case operator_cmd.SetConfigurationValues(values=values):
            if len(values) != 1:
                raise InvalidInput("1.6 ChangeConfiguration changes one key per call")
            return call.ChangeConfiguration(key=values[0][0], value=values[0][1])
        case operator_cmd.TriggerMessage(message=message, evse_id=evse_id):
            return call.TriggerMessage(
                requested_message=enums.MessageTrigger(message), connector_id=evse_id
            )
        case operator_cmd.Reset():
            return _reset(command)
        case operator_cmd.UnlockConnector(evse_id=evse_id):
            return call.UnlockConnector(connector_id=evse_id)
        case operator_cmd.ChangeAvailability(operative=operative, evse_id=evse_id):
            return call.ChangeAvailability(
                connector_id=evse_id or 0,
                type=enums.AvailabilityType.operative
                if operative
                else enums.AvailabilityType.inoperative,
            )
    return _more_calls(command)


def _reset(command: operator_cmd.Reset) -> Any:
    """1.6 knows Soft and Hard (OnIdle is Soft, Immediate Hard) and no EVSE of its own."""
    if command.evse_id is not None:
        raise InvalidInput("a 1.6 Reset is of the whole charge point: no evse_id")
    kind = _RESET.get(command.kind)
    if kind is None:
        raise InvalidInput(f"reset type {command.kind!r} is not Soft, Hard, Immediate or OnIdle")
    return call.Reset(type=enums.ResetType(kind))


def _more_calls(command: operator_cmd.StationCommand) -> Any:
    match command:
        case operator_cmd.SendLocalList(version=version, full=full, entries=entries):
            return call.SendLocalList(
                list_version=version,
                update_type=enums.UpdateType.full if full else enums.UpdateType.differential,
                local_authorization_list=[_list_entry(entry) for entry in entries],
            )
        case operator_cmd.GetLocalListVersion():
            return call.GetLocalListVersion()
        case operator_cmd.RemoteStart(evse_id=evse_id, id_token=id_token):
            return call.RemoteStartTransaction(
                id_tag=id_token, connector_id=evse_id, charging_profile=_profile(command)
            )
        case operator_cmd.RemoteStop(transaction_id=transaction_id):
            if not transaction_id.isdigit():
                raise InvalidInput(f"1.6 transaction ids are integers, not {transaction_id!r}")
            return call.RemoteStopTransaction(transaction_id=int(transaction_id))
        case operator_cmd.ClearCache():
            return call.ClearCache()
        case operator_cmd.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data):
            return call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data)
    return _maintenance_call(command)


def _maintenance_call(command: operator_cmd.StationCommand) -> Any:
    match command:
        case operator_cmd.UpdateFirmware():
            return call.UpdateFirmware(
                location=command.location,
                retrieve_date=format_timestamp(command.retrieve_at),
                retries=command.retries,
                retry_interval=command.retry_interval_s,
            )
        case operator_cmd.GetDiagnostics(location=location, start=start, stop=stop):
            return call.GetDiagnostics(
                location=location,
                start_time=format_timestamp(start) if start else None,
                stop_time=format_timestamp(stop) if stop else None,
            )
    return reservation_call(command)


def _profile(command: operator_cmd.RemoteStart) -> Any:
    """The charging profile as given (camelCase), in the library's snake_case."""
    return to_snake(command.charging_profile) if command.charging_profile else None


def _list_entry(entry: operator_cmd.LocalListEntry) -> dict[str, Any]:
    """A differential entry without idTagInfo removes the card from the list (1.6 §5.15)."""
    item: dict[str, Any] = {"id_tag": entry.id_token}
    if entry.authorization is not None:
        # a dataclass inside a dict is not serialized by the library: make it a dict here
        item["id_tag_info"] = dataclasses.asdict(from_authorization(entry.authorization))
    return item
