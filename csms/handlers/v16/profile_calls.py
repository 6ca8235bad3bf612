"""Charging profiles on 1.6 (§3.13, §5.16 SetChargingProfile, §5.5 ClearChargingProfile, §5.7
GetCompositeSchedule): the neutral profile spelled the 1.6 way (ChargePointMaxProfile,
integer transaction ids, one schedule)."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from csms.errors import InvalidInput
from csms.handlers.mapping import schedule_fields
from csms.handlers.wire.codec import format_timestamp
from csms.station_commands import commands as operator_cmd
from csms.station_commands import profiles
from csms.station_commands.profiles import STATION_MAX, ChargingProfileSpec, ChargingSchedule


def _purpose(purpose: str | None) -> str | None:
    return "ChargePointMaxProfile" if purpose == STATION_MAX else purpose


def _schedule(schedule: ChargingSchedule) -> dict[str, Any]:
    return schedule_fields(schedule)


def profile_body(profile: ChargingProfileSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "charging_profile_id": profile.profile_id,
        "stack_level": profile.stack_level,
        "charging_profile_purpose": _purpose(profile.purpose),
        "charging_profile_kind": profile.kind,
        "charging_schedule": _schedule(profile.schedule),
    }
    if profile.transaction_id is not None:
        if not profile.transaction_id.isdigit():
            raise InvalidInput(f"1.6 transaction ids are integers: {profile.transaction_id!r}")
        body["transaction_id"] = int(profile.transaction_id)
    if profile.recurrency is not None:
        body["recurrency_kind"] = profile.recurrency
    if profile.valid_from is not None:
        body["valid_from"] = format_timestamp(profile.valid_from)
    if profile.valid_to is not None:
        body["valid_to"] = format_timestamp(profile.valid_to)
    return body


def profile_call(command: operator_cmd.StationCommand) -> Any:
    match command:
        case profiles.SetChargingProfile(evse_id=evse_id, profile=profile):
            return call.SetChargingProfile(
                connector_id=evse_id, cs_charging_profiles=profile_body(profile)
            )
        case profiles.ClearChargingProfile():
            return call.ClearChargingProfile(
                id=command.profile_id,
                connector_id=command.evse_id,
                charging_profile_purpose=_purpose(command.purpose),
                stack_level=command.stack_level,
            )
        case profiles.GetCompositeSchedule(evse_id=evse_id, duration_s=duration, unit=unit):
            return call.GetCompositeSchedule(
                connector_id=evse_id, duration=duration, charging_rate_unit=unit
            )
    raise InvalidInput(f"no 1.6 message for {type(command).__name__}")
