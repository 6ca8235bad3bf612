"""The server's own clock for reservations (seed 002 第10-12条): it opens windows, closes them
and decides their outcome, and lets the station go of windows that ended.

Nothing is trusted to the station's clock or status: the state is the ``reservations`` table,
so a restart resumes where the last run stopped, and every step is guarded by the row's
state (``ended_at``, ``status``, ``cancel_sent``) under its lock, so two runs (or two nodes)
never decide one window twice. ReserveNow with the same id replaces a station's reservation,
so sending it again after a crash is harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from csms.clock import Clock
from csms.errors import CsmsError
from csms.ports import UnitOfWorkProvider
from csms.reservations.models import LIVE, Reservation, ReservationStatus
from csms.reservations.outcomes import Suspension, WindowEnd, end_window
from csms.reservations.ports import ReservationChange, ReservationsUnitOfWork
from csms.reservations.windows_open import WindowOpener

RELEASED_AT_END = frozenset({ReservationStatus.NO_SHOW, ReservationStatus.EXPIRED})


class ReservationClock:
    def __init__(
        self,
        uow: UnitOfWorkProvider[ReservationsUnitOfWork],
        clock: Clock,
        opener: WindowOpener,
        suspension: Suspension | None = None,
        *,
        batch: int = 200,
        grace: timedelta = timedelta(minutes=2),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._opener = opener
        self._suspension = suspension or Suspension()
        self._batch = batch
        self._grace = grace

    async def tick(self) -> int:
        """One pass over what is due now; returns how many reservations it looked at."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.reservations.due(now, self._opener.lead, self._batch)
        for reservation in due:
            await self._step(reservation, now)
        return len(due)

    async def _step(self, reservation: Reservation, now: datetime) -> None:
        """One reservation's due work; a step the station cannot take (off its schema, a
        refusal) is that reservation's problem only: the others go on."""
        try:
            await self._due_step(reservation, now)
        except CsmsError:
            return

    async def _due_step(self, reservation: Reservation, now: datetime) -> None:
        if reservation.ended_at is None and reservation.ends_at <= now:
            await self.end(reservation.reservation_id, now)
        elif reservation.ended_at is None and reservation.status is ReservationStatus.SCHEDULED:
            await self._opener.open(reservation)
        elif reservation.held_by_station and not reservation.cancel_sent:
            await self._opener.release(reservation)

    async def end(self, reservation_id: UUID, now: datetime) -> WindowEnd | None:
        """Decide the window's outcome once; then cut an overrunning session's power and let
        the station go of a window nobody used."""
        async with self._uow() as uow:
            current = await uow.reservations.get(reservation_id, for_update=True)
            if current is None or current.ended_at is not None or current.status not in LIVE:
                return None
            if current.ends_at > now:  # its end was changed meanwhile
                return None
            decided = await end_window(uow, current, now, self._suspension, self._grace)
            if decided is None:
                return None
        ended = decided.reservation
        if decided.cut is not None:
            await self._cut(ended, decided)
        if ended.status in RELEASED_AT_END and ended.held_by_station:
            await self._opener.release(ended)
        return decided

    async def _cut(self, reservation: Reservation, decided: WindowEnd) -> None:
        """Seed 002 第12条: during an unauthorised extension no power is given."""
        assert decided.cut is not None
        how = await self._opener.side.cut_power(
            reservation, decided.cut.evse_id, decided.cut.transaction_id
        )
        if how is None:
            return
        async with self._uow() as uow:
            await uow.reservations.update(
                reservation.reservation_id, ReservationChange(power_cut=how)
            )
