"""Opening a window at its station and letting it go (1.6 §5.13/§5.1, 2.0.1 H01/H02), for the
API (a window that opens now) and the reservation clock alike.

ReserveNow is sent ``lead`` before the start; the station's answer decides: Accepted ->
``active`` (the station holds it); Faulted, Occupied, Rejected, Unavailable or no support ->
``not_honoured``, no fee, and the member is told (第10条: 会員に責が無い予約のキャンセル);
not reached -> still ``scheduled``, tried again on the next tick.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from csms.ports import UnitOfWorkProvider
from csms.reservations.models import Reservation, ReservationStatus
from csms.reservations.outcomes import record_change
from csms.reservations.ports import ReservationChange, ReservationsUnitOfWork
from csms.reservations.station_side import StationSide


class WindowOpener:
    def __init__(
        self,
        uow: UnitOfWorkProvider[ReservationsUnitOfWork],
        side: StationSide,
        *,
        lead: timedelta = timedelta(minutes=5),
    ) -> None:
        self._uow = uow
        self.side = side
        self.lead = lead
        self._releasing: set[object] = set()  # in flight here: the API's and the clock's once

    def opens_now(self, reservation: Reservation, now: datetime) -> bool:
        return reservation.starts_at - self.lead <= now < reservation.ends_at

    async def open(self, reservation: Reservation) -> Reservation:
        """Send ReserveNow and keep the station's answer (unchanged when not reached)."""
        if not self.side.is_connected(reservation.station_id):
            return reservation
        answer = await self.side.hold(reservation)
        if answer is None:
            return reservation
        if answer == "Accepted":
            opened = replace(reservation, status=ReservationStatus.ACTIVE, held_by_station=True)
            change = ReservationChange(status=opened.status, held_by_station=True)
            detail = "held by the station"
        else:
            opened = replace(
                reservation, status=ReservationStatus.NOT_HONOURED, station_answer=answer
            )
            change = ReservationChange(status=opened.status, station_answer=answer)
            detail = f"the station answered {answer}: no fee"
        async with self._uow() as uow:
            current = await uow.reservations.get(reservation.reservation_id, for_update=True)
            if current is None or current.status is not ReservationStatus.SCHEDULED:
                if current is not None and answer == "Accepted":  # cancelled meanwhile:
                    held = ReservationChange(held_by_station=True)  # the clock releases it
                    await uow.reservations.update(current.reservation_id, held)
                return current or reservation
            if opened.status is ReservationStatus.NOT_HONOURED:
                change = replace(change, ended_at=current.starts_at)
                await tell_member(uow, opened, detail)
            await uow.reservations.update(reservation.reservation_id, change)
            record_change(uow, opened, detail)
        return opened

    async def release(self, reservation: Reservation) -> bool:
        """CancelReservation at the station that holds it; kept once the station answered."""
        key = reservation.reservation_id
        if key in self._releasing or not self.side.is_connected(reservation.station_id):
            return False
        self._releasing.add(key)
        try:
            async with self._uow() as uow:  # another step may have released it meanwhile
                current = await uow.reservations.get(key)
            if current is None or current.cancel_sent:
                return False
            if not await self.side.release(reservation):
                return False
            async with self._uow() as uow:
                await uow.reservations.update(
                    reservation.reservation_id, ReservationChange(cancel_sent=True)
                )
        finally:
            self._releasing.discard(key)
        return True


async def tell_member(uow: ReservationsUnitOfWork, reservation: Reservation, why: str) -> None:
    """A mail to the member whose reservation the station could not honour."""
    if reservation.account_id is None:
        return
    email = await uow.reservation_accounts.email_of(reservation.account_id)
    if email is None:
        return
    start = reservation.starts_at.isoformat()
    await uow.mail.add(
        "reservation_not_honoured",
        email,
        "ご予約をお受けできませんでした / Your reservation cannot be honoured",
        f"充電器 {reservation.station_id} のご予約（{start}）は充電器の都合により"
        f"ご利用いただけません。料金はかかりません。\n"
        f"The charger {reservation.station_id} cannot honour your reservation at {start}"
        f" ({why}). No fee is charged.\n",
    )
