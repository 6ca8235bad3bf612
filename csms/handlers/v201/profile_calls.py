"""Charging profiles on 2.0.1 (K01 SetChargingProfile, K10 ClearChargingProfile, K08
GetCompositeSchedule): the neutral profile spelled the 2.0.1 way (ChargingStationMaxProfile,
string transaction ids, a list of schedules with their own id)."""

from __future__ import annotations

from typing import Any

from ocpp.v201 import call

from csms.errors import InvalidInput
from csms.handlers.mapping import schedule_fields
from csms.handlers.wire.codec import format_timestamp
from csms.station_commands import commands as operator_cmd
from csms.station_commands import profiles
from csms.station_commands.profiles import STATION_MAX, ChargingProfileSpec, ChargingSchedule


def _purpose(purpose: str | None) -> str | None:
    return STATION_MAX if purpose == "ChargePointMaxProfile" else purpose


def _schedule(schedule_id: int, schedule: ChargingSchedule) -> dict[str, Any]:
    return {"id": schedule_id, **schedule_fields(schedule)}


def profile_body(profile: ChargingProfileSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": profile.profile_id,
        "stack_level": profile.stack_level,
        "charging_profile_purpose": _purpose(profile.purpose),
        "charging_profile_kind": profile.kind,
        "charging_schedule": [_schedule(profile.profile_id, profile.schedule)],
    }
    optional = {
        "transaction_id": profile.transaction_id,
        "recurrency_kind": profile.recurrency,
        "valid_from": format_timestamp(profile.valid_from) if profile.valid_from else None,
        "valid_to": format_timestamp(profile.valid_to) if profile.valid_to else None,
    }
    return body | {key: value for key, value in optional.items() if value is not None}


def _criteria(command: profiles.ClearChargingProfile) -> dict[str, Any] | None:
    criteria = {
        "evse_id": command.evse_id,
        "charging_profile_purpose": _purpose(command.purpose),
        "stack_level": command.stack_level,
    }
    found = {key: value for key, value in criteria.items() if value is not None}
    return found or None


def profile_call(command: operator_cmd.StationCommand) -> Any:
    match command:
        case profiles.SetChargingProfile(evse_id=evse_id, profile=profile):
            return call.SetChargingProfile(evse_id=evse_id, charging_profile=profile_body(profile))
        case profiles.ClearChargingProfile():
            return call.ClearChargingProfile(
                charging_profile_id=command.profile_id, charging_profile_criteria=_criteria(command)
            )
        case profiles.GetCompositeSchedule(evse_id=evse_id, duration_s=duration, unit=unit):
            return call.GetCompositeSchedule(
                duration=duration, evse_id=evse_id, charging_rate_unit=unit
            )
    raise InvalidInput(f"no 2.0.1 message for {type(command).__name__}")
