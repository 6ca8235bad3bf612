"""What stations report about reservations, reconciled with the server's own state (the
server owns the lifecycle; a station's status never frees or takes a bay by itself).

* a connector reported ``Reserved`` (1.6 §4.9 StatusNotification, 2.0.1 G01) while the
  server holds no live reservation for it: the station missed a cancellation or is stuck
  after an expiry, so it gets CancelReservation for the last reservation it was sent;
* 2.0.1 ReservationStatusUpdate (H04) ``Removed``, or ``Expired`` well before the window's
  end, of a window the server still holds open: the station dropped it, so it is
  ``not_honoured`` (no fee) and the member is told; ``Expired`` at the end is the station's
  own expiry (we send the window's end as its expiry): the outcome stays the server's clock's,
  and the station needs no CancelReservation; for a window already ended nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Final

from csms.clock import Clock
from csms.ports import UnitOfWorkProvider
from csms.reservations.models import LIVE, ReservationStatus
from csms.reservations.outcomes import record_change
from csms.reservations.ports import ReservationChange, ReservationQuery, ReservationsUnitOfWork
from csms.reservations.windows_open import WindowOpener, tell_member

EXPIRY_TOLERANCE: Final = timedelta(minutes=2)  # the station's clock may run ahead


class ReservationReconciler:
    def __init__(
        self, uow: UnitOfWorkProvider[ReservationsUnitOfWork], opener: WindowOpener, clock: Clock
    ) -> None:
        self._uow = uow
        self._opener = opener
        self._clock = clock

    async def station_reports_reserved(self, station_id: str, evse_id: int | None) -> bool:
        """CancelReservation for a connector left ``Reserved``; True if one was sent."""
        async with self._uow() as uow:
            live = await uow.reservations.search(
                ReservationQuery(station_id=station_id, status=ReservationStatus.ACTIVE), None
            )
            if any(r.evse_id in (None, evse_id) and r.ended_at is None for r in live):
                return False  # the station rightly holds it
            last = await uow.reservations.last_ended(station_id, evse_id)
        if last is None:
            return False
        return await self._opener.side.release(last)

    async def station_dropped(self, station_id: str, ocpp_reservation_id: int, status: str) -> None:
        """A 2.0.1 station says it no longer holds the reservation (Expired or Removed)."""
        async with self._uow() as uow:
            found = await uow.reservations.by_ocpp_id(station_id, ocpp_reservation_id)
            if found is None:
                return
            current = await uow.reservations.get(found.reservation_id, for_update=True)
            if (
                current is None
                or current.ended_at is not None
                or current.status not in LIVE
                or current.status is ReservationStatus.USED
            ):
                return
            if status == "Expired" and self._clock.now() >= current.ends_at - EXPIRY_TOLERANCE:
                # its own expiry at the window's end: the server's clock decides the outcome
                await uow.reservations.update(
                    current.reservation_id, ReservationChange(cancel_sent=True)
                )
                return
            dropped = replace(current, status=ReservationStatus.NOT_HONOURED, station_answer=status)
            detail = f"the station reported the reservation {status}: no fee"
            change = ReservationChange(
                status=dropped.status,
                station_answer=status,
                ended_at=current.starts_at,
                cancel_sent=True,
            )
            await uow.reservations.update(current.reservation_id, change)
            await tell_member(uow, dropped, detail)
            record_change(uow, dropped, detail)
