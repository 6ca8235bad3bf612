"""Reservations and power on 1.6: ReserveNow (§5.13), CancelReservation (§5.1) and the
one-limit TxProfile of SetChargingProfile (§5.16)."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from csms.errors import InvalidInput
from csms.handlers.wire.codec import format_timestamp
from csms.station_commands import commands as operator_cmd


def reservation_call(command: operator_cmd.StationCommand) -> Any:
    """ReserveNow (§5.13), CancelReservation (§5.1) and the limit profile (§5.16)."""
    match command:
        case operator_cmd.ReserveNow():
            return call.ReserveNow(
                connector_id=command.evse_id or 0,
                expiry_date=format_timestamp(command.expires_at),
                id_tag=command.id_token,
                reservation_id=command.reservation_id,
            )
        case operator_cmd.CancelReservation(reservation_id=reservation_id):
            return call.CancelReservation(reservation_id=reservation_id)
        case operator_cmd.PowerLimit():
            if not command.transaction_id.isdigit():
                raise InvalidInput(f"1.6 transaction ids are integers: {command.transaction_id!r}")
            profile = {
                "charging_profile_id": command.profile_id,
                "transaction_id": int(command.transaction_id),
                "stack_level": command.stack_level,
                "charging_profile_purpose": "TxProfile",
                "charging_profile_kind": "Relative",
                "charging_schedule": {
                    "charging_rate_unit": command.unit,
                    "charging_schedule_period": [{"start_period": 0, "limit": command.limit}],
                },
            }
            return call.SetChargingProfile(
                connector_id=command.evse_id, cs_charging_profiles=profile
            )
    raise InvalidInput(f"no 1.6 message for {type(command).__name__}")
