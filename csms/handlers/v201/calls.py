"""Operator commands as the 2.0.1 Calls that carry them (B05-B12, C11, D01-D02, F01-F03,
L01, N01, P01); a ``RawCall`` of any action a CSMS sends, its payload as given."""

from __future__ import annotations

from typing import Any, Final

from ocpp.v201 import call, enums

from csms.errors import InvalidInput
from csms.handlers.mapping import raw_call
from csms.handlers.v201.mapping import VERSION, list_entry
from csms.handlers.v201.profile_calls import profile_call
from csms.handlers.wire.codec import format_timestamp, to_snake
from csms.station_commands import commands as operator_cmd

CSMS_ACTIONS: Final = frozenset(
    {
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache",
        "ClearChargingProfile", "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated",
        "CustomerInformation", "DataTransfer", "DeleteCertificate", "GetBaseReport",
        "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages",
        "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "GetMonitoringReport",
        "GetReport", "GetTransactionStatus", "GetVariables", "InstallCertificate",
        "PublishFirmware", "RequestStartTransaction", "RequestStopTransaction", "ReserveNow",
        "Reset", "SendLocalList", "SetChargingProfile", "SetDisplayMessage",
        "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile",
        "SetVariableMonitoring", "SetVariables", "TriggerMessage", "UnlockConnector",
        "UnpublishFirmware", "UpdateFirmware",
    }
)  # fmt: skip
_RESET: Final = {
    "Soft": "OnIdle",
    "Hard": "Immediate",
    "OnIdle": "OnIdle",
    "Immediate": "Immediate",
}


def _component_variable(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    component, _, variable = key.rpartition(".")
    if not component or not variable:
        raise InvalidInput(f"2.0.1 configuration keys are Component.Variable, not {key!r}")
    return {"name": component}, {"name": variable}


def _set_variables(values: tuple[tuple[str, str], ...]) -> Any:
    """Configuration in 2.0.1 is device-model variables: SetVariables (B05), several at once."""
    data = []
    for key, value in values:
        component, variable = _component_variable(key)
        data.append({"attribute_value": value, "component": component, "variable": variable})
    return call.SetVariables(set_variable_data=data)


def _get_variables(keys: tuple[str, ...]) -> Any:
    """GetVariables (B06) of ``Component.Variable`` keys."""
    if not keys:
        raise InvalidInput("2.0.1 GetVariables needs at least one Component.Variable key")
    data = []
    for key in keys:
        component, variable = _component_variable(key)
        data.append({"component": component, "variable": variable})
    return call.GetVariables(get_variable_data=data)


def _evse(evse_id: int | None) -> dict[str, Any] | None:
    return {"id": evse_id} if evse_id else None


def to_call(command: operator_cmd.StationCommand) -> Any:
    """An operator command as the 2.0.1 Call that carries it."""
    match command:
        case operator_cmd.RawCall(action=action, payload=payload):
            return raw_call(CSMS_ACTIONS, VERSION, action, payload)
        case operator_cmd.GetConfiguration(keys=keys):
            return _get_variables(keys)
        case operator_cmd.SetConfiguration(key=key, value=value):
            return _set_variables(((key, value),))
        case operator_cmd.SetConfigurationValues(values=values):
            return _set_variables(values)
        case operator_cmd.TriggerMessage(message=message, evse_id=evse_id):
            return call.TriggerMessage(
                requested_message=enums.MessageTriggerEnumType(message), evse=_evse(evse_id)
            )
        case operator_cmd.Reset(kind=kind, evse_id=evse_id):
            if kind not in _RESET:
                raise InvalidInput(f"reset type {kind!r} is not Soft, Hard, Immediate or OnIdle")
            return call.Reset(type=enums.ResetEnumType(_RESET[kind]), evse_id=evse_id)
        case operator_cmd.UnlockConnector(evse_id=evse_id, connector_id=connector_id):
            return call.UnlockConnector(evse_id=evse_id, connector_id=connector_id)
        case operator_cmd.ChangeAvailability(operative=operative, evse_id=evse_id):
            status = enums.OperationalStatusEnumType
            return call.ChangeAvailability(
                operational_status=status.operative if operative else status.inoperative,
                evse=_evse(evse_id),
            )
    return _session_call(command)


def _session_call(command: operator_cmd.StationCommand) -> Any:
    match command:
        case operator_cmd.SendLocalList(version=version, full=full, entries=entries):
            update = enums.UpdateEnumType
            return call.SendLocalList(
                version_number=version,
                update_type=update.full if full else update.differential,
                local_authorization_list=[list_entry(entry) for entry in entries] or None,
            )
        case operator_cmd.GetLocalListVersion():
            return call.GetLocalListVersion()
        case operator_cmd.RemoteStart(evse_id=evse_id, id_token=id_token, remote_start_id=rid):
            profile = command.charging_profile
            return call.RequestStartTransaction(
                id_token={"id_token": id_token, "type": enums.IdTokenEnumType.central},
                remote_start_id=rid,
                evse_id=evse_id,
                charging_profile=to_snake(profile) if profile else None,
            )
        case operator_cmd.RemoteStop(transaction_id=transaction_id):
            return call.RequestStopTransaction(transaction_id=transaction_id)
        case operator_cmd.ClearCache():
            return call.ClearCache()
        case operator_cmd.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data):
            return call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data)
    return _maintenance_call(command)


def _maintenance_call(command: operator_cmd.StationCommand) -> Any:
    match command:
        case operator_cmd.UpdateFirmware():
            firmware = {
                "location": command.location,
                "retrieve_date_time": format_timestamp(command.retrieve_at),
            }
            return call.UpdateFirmware(
                request_id=command.request_id,
                firmware=firmware,
                retries=command.retries,
                retry_interval=command.retry_interval_s,
            )
        case operator_cmd.GetDiagnostics(location=location, start=start, stop=stop):
            log: dict[str, Any] = {"remote_location": location}
            if start is not None:
                log["oldest_timestamp"] = format_timestamp(start)
            if stop is not None:
                log["latest_timestamp"] = format_timestamp(stop)
            return call.GetLog(
                log=log, log_type=enums.LogEnumType.diagnostics_log, request_id=command.request_id
            )
    return _reservation_call(command)


def _reservation_call(command: operator_cmd.StationCommand) -> Any:
    """ReserveNow (H01), CancelReservation (H02), the limit profile (K01), CostUpdated (I03)."""
    match command:
        case operator_cmd.ReserveNow():
            return call.ReserveNow(
                id=command.reservation_id,
                expiry_date_time=format_timestamp(command.expires_at),
                id_token={"id_token": command.id_token, "type": command.token_kind},
                evse_id=command.evse_id,
                connector_type=command.connector_type,
            )
        case operator_cmd.CancelReservation(reservation_id=reservation_id):
            return call.CancelReservation(reservation_id=reservation_id)
        case operator_cmd.CostUpdated(transaction_id=transaction_id, total_cost=total_cost):
            return call.CostUpdated(total_cost=total_cost, transaction_id=transaction_id)
    return profile_call(command)
