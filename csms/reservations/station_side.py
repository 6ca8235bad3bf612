"""What a reservation asks of its station, on both versions (1.6 §5.13/§5.1/§5.16, 2.0.1
H01/H02/K01, F03): hold the window, let it go, cut the power of an overrunning session.

Each step answers what happened and never raises for the station's sake: a station that is
not connected, times out or answers with a CallError is "not reached" and the reservation
clock tries again on its next tick.
"""

from __future__ import annotations

from typing import Final

from csms.errors import CsmsError, StationCommandError, StationRejected
from csms.reservations.models import Reservation
from csms.station_commands.commands import CancelReservation, RemoteStop, ReserveNow
from csms.station_commands.ports import StationGateway
from csms.station_commands.profiles import tx_limit

REFUSALS: Final = frozenset({"Faulted", "Occupied", "Rejected", "Unavailable"})
UNSUPPORTED: Final = frozenset({"NotImplemented", "NotSupported"})
PROFILE_IDS: Final = 1_000_000_000  # limit profiles: apart from an operator's own ids


class StationSide:
    def __init__(self, gateway: StationGateway) -> None:
        self._gateway = gateway

    def is_connected(self, station_id: str) -> bool:
        return self._gateway.is_connected(station_id)

    async def hold(self, reservation: Reservation) -> str | None:
        """ReserveNow until the window's end: the station's status word (Accepted, Faulted,
        Occupied, Rejected, Unavailable; ``NotSupported`` for a station without
        reservations), None when it was not reached."""
        command = ReserveNow(
            reservation.ocpp_reservation_id,
            reservation.evse_id,
            reservation.id_token,
            reservation.id_token_kind,
            reservation.ends_at,
            reservation.connector_type,
        )
        try:
            result = await self._gateway.send(reservation.station_id, command)
        except StationRejected as exc:
            return "NotSupported" if exc.code in UNSUPPORTED else None
        except StationCommandError:
            return None
        except CsmsError:  # off the version's schema (e.g. a 1.6 idTag over 20 characters)
            return "Invalid"
        return result.status

    async def release(self, reservation: Reservation) -> bool:
        """CancelReservation; True once the station answered (Rejected: it holds none)."""
        command = CancelReservation(reservation.ocpp_reservation_id)
        try:
            await self._gateway.send(reservation.station_id, command)
        except StationRejected as exc:
            return exc.code in UNSUPPORTED
        except StationCommandError:
            return False
        return True

    async def cut_power(
        self, reservation: Reservation, evse_id: int | None, transaction_id: str
    ) -> str | None:
        """A limit-0 TxProfile on the transaction (seed 002 第12条: 給電は停止); a station that
        refuses profiles gets RemoteStop. How the power was cut, None if not reached."""
        if evse_id is not None:
            profile_id = PROFILE_IDS + reservation.ocpp_reservation_id
            limit = tx_limit(evse_id, transaction_id, profile_id, 0, "A")
            try:
                result = await self._gateway.send(reservation.station_id, limit)
                if result.status == "Accepted":
                    return "profile"
            except StationRejected:
                pass  # a station without smart charging: stop the session instead
            except StationCommandError:
                return None
            except CsmsError:
                pass  # a profile the station's version cannot carry: stop the session instead
        try:
            await self._gateway.send(reservation.station_id, RemoteStop(transaction_id))
        except CsmsError:
            return None
        return "remote_stop"
