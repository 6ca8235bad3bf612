"""How a reservation ends, decided once in one transaction (seed 002 第10-12条).

* the member charged in the window (the station said so with the reservation's id, or a
  session of the member's token started in it) -> ``used``; still charging at the end ->
  the power is cut and the extension fee accrues (priced with the session, 第12条);
* no charging at all, while the station held the window -> ``no_show``: a penalty
  statement of the operator's amount (第11条), and the offence may suspend reservations;
* no charging while the station never held it (not reached all window long) -> ``expired``,
  no fee: the member could not have used it;
* a member's cancellation at or after the start is a no-show as well; an operator's never.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from csms.authorization.rule import normalise_token
from csms.billing.reservation_fees import no_show_quote, suspends
from csms.charging.models import SessionState
from csms.events import ReservationChanged
from csms.records import frozen
from csms.reservations.models import Reservation, ReservationStatus
from csms.reservations.ports import ChargedSession, ReservationChange, ReservationsUnitOfWork
from csms.settlement.statements import reservation_statement


@frozen
class Suspension:
    """The operator's rule (第11条): ``after`` offences within ``window_days`` (0: never)."""

    after: int = 3
    window_days: int = 30


@frozen
class WindowEnd:
    """What the end of a window decided; ``cut``: the session still charging at the end."""

    reservation: Reservation
    cut: ChargedSession | None = None


def member_session(
    reservation: Reservation, sessions: list[ChargedSession]
) -> ChargedSession | None:
    """The first session in the window started with the reservation's token, or with any
    token of its member's account (a card, or the app's token of an app start)."""
    wanted = normalise_token(reservation.id_token)
    for session in sessions:
        if session.id_token is not None and normalise_token(session.id_token) == wanted:
            return session
        if reservation.account_id is not None and session.account_id == reservation.account_id:
            return session
    return None


async def _used_session(
    uow: ReservationsUnitOfWork, reservation: Reservation
) -> ChargedSession | None:
    """The session the station said used the reservation (its reservationId), or the
    member's session found in the window."""
    if reservation.session_id is not None:
        session = await uow.sessions.by_id(reservation.session_id)
        if session is not None:
            return ChargedSession(
                session.session_id,
                session.evse_id,
                session.transaction_id,
                session.id_token,
                session.started_at,
                session.state is SessionState.ACTIVE,
            )
    return member_session(reservation, await uow.reservations.sessions_in(reservation))


async def end_window(
    uow: ReservationsUnitOfWork,
    reservation: Reservation,
    now: datetime,
    rule: Suspension,
    grace: timedelta = timedelta(0),
) -> WindowEnd | None:
    """Decide the outcome of a window whose end has come (the caller holds the row lock).
    A window nobody used is decided only ``grace`` after its end (None until then): a start
    the station sent just before the end, or from its offline queue, still counts."""
    used = await _used_session(uow, reservation)
    if used is None and now < reservation.ends_at + grace:
        return None
    if used is not None:
        ended = replace(reservation, status=ReservationStatus.USED, session_id=used.session_id)
        await _save(
            uow,
            ended,
            ReservationChange(status=ended.status, session_id=used.session_id, ended_at=now),
        )
        return WindowEnd(ended, used if used.active else None)
    if not reservation.held_by_station:
        ended = replace(reservation, status=ReservationStatus.EXPIRED)
        await _save(
            uow,
            ended,
            ReservationChange(status=ended.status, ended_at=now),
            "the station could not be reached to hold the window: no fee",
        )
        return WindowEnd(ended)
    return WindowEnd(await no_show(uow, reservation, now, rule, "no charging in the window"))


async def no_show(
    uow: ReservationsUnitOfWork,
    reservation: Reservation,
    now: datetime,
    rule: Suspension,
    why: str,
    *,
    cancelled_by: str | None = None,
) -> Reservation:
    """``no_show`` with its penalty statement (exact yen), and maybe the suspension."""
    ended = replace(reservation, status=ReservationStatus.NO_SHOW, cancelled_by=cancelled_by)
    fee = await _penalty(uow, ended, now, why)
    await _save(
        uow,
        ended,
        ReservationChange(status=ended.status, ended_at=now, cancelled_by=cancelled_by),
        why,
        fee,
    )
    if ended.account_id is not None:
        await _maybe_suspend(uow, ended.account_id, now, rule)
    return ended


async def _penalty(
    uow: ReservationsUnitOfWork, reservation: Reservation, now: datetime, why: str
) -> Decimal | None:
    quote = no_show_quote(reservation.no_show_fee)
    if quote is None:
        return None
    inputs = {
        "reservation_id": str(reservation.reservation_id),
        "station_id": reservation.station_id,
        "evse_id": reservation.evse_id,
        "starts_at": reservation.starts_at.isoformat(),
        "ends_at": reservation.ends_at.isoformat(),
        "account_id": reservation.account_id,
        "no_show": why,
        "decided_at": now.isoformat(),
    }
    statement = reservation_statement(reservation.reservation_id, quote, inputs)
    await uow.statements.add(statement)  # one original per reservation: a retry adds none
    return quote.total


async def _maybe_suspend(
    uow: ReservationsUnitOfWork, account_id: str, now: datetime, rule: Suspension
) -> None:
    since = now - timedelta(days=rule.window_days)
    offences = await uow.reservation_accounts.offences(account_id, since)
    if suspends(offences, rule.after):
        reason = f"{offences} no-shows or late cancellations in {rule.window_days} days"
        await uow.reservation_accounts.suspend(account_id, now, reason)


async def _save(
    uow: ReservationsUnitOfWork,
    reservation: Reservation,
    change: ReservationChange,
    detail: str | None = None,
    fee: Decimal | None = None,
) -> None:
    await uow.reservations.update(reservation.reservation_id, change)
    record_change(uow, reservation, detail, fee)


def record_change(
    uow: ReservationsUnitOfWork,
    reservation: Reservation,
    detail: str | None = None,
    fee: Decimal | None = None,
) -> None:
    uow.record(
        ReservationChanged(
            reservation.station_id,
            reservation_id=str(reservation.reservation_id),
            status=reservation.status.value,
            account_id=reservation.account_id,
            detail=detail,
            fee=str(fee) if fee is not None else None,
        )
    )
