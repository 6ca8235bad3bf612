"""Reservations on 1.6: ReserveNow (§5.13) and CancelReservation (§5.1); then profiles."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from csms.handlers.v16.profile_calls import profile_call
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
    return profile_call(command)
