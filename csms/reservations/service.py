"""Reservation use cases of the API (seed 002 第10-11条): book, cancel, change the end, read,
set a station's policy and lift a suspension.

A booking is confirmed at once (第10条: 操作完了と同時に予約が確定); a window that opens now
(its start within the lead time) is sent to the station before the answer, and a station's
refusal is answered as :class:`ReservationRefused` (409 with its status) and kept as
``not_honoured``. ``member``: the account of a member's app (its own reservations only);
None for an operator's key, within ``scope`` (its operator; None: all).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from csms.authorization.rule import normalise_token
from csms.billing.reservation_fees import is_late_cancellation
from csms.clock import Clock
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider
from csms.reservations.models import (
    LIVE,
    CancelledBy,
    NewReservation,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from csms.reservations.outcomes import Suspension, no_show, record_change
from csms.reservations.ports import ReservationChange, ReservationQuery, ReservationsUnitOfWork
from csms.reservations.station_side import StationSide
from csms.reservations.windows import check_new_end, check_window
from csms.reservations.windows_open import WindowOpener
from csms.settlement.models import Statement


class ReservationRefused(Conflict):
    """The station refused to hold the window (Faulted, Occupied, Rejected, Unavailable)."""

    def __init__(self, reservation: Reservation, status: str) -> None:
        super().__init__(f"the station answered ReserveNow with {status}: not honoured")
        self.reservation = reservation
        self.status = status


class ReservationService:
    def __init__(
        self,
        uow: UnitOfWorkProvider[ReservationsUnitOfWork],
        clock: Clock,
        opener: WindowOpener,
        *,
        suspension: Suspension | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._opener = opener
        self._side: StationSide = opener.side
        self._suspension = suspension or Suspension()

    async def set_policy(self, policy: ReservationPolicy, scope: str | None) -> ReservationPolicy:
        async with self._uow() as uow:
            await _station_in_scope(uow, policy.station_id, scope)
            await uow.reservations.save_policy(policy)
        return policy

    async def policy(self, station_id: str, scope: str | None) -> ReservationPolicy:
        async with self._uow() as uow:
            await _station_in_scope(uow, station_id, scope)
            found = await uow.reservations.policy(station_id)
        return found or ReservationPolicy(station_id, reservable=False)

    async def reserve(
        self, request: NewReservation, scope: str | None, member: str | None = None
    ) -> Reservation:
        """Book a window; sent to the station at once when it opens now."""
        now = self._clock.now()
        async with self._uow() as uow:
            operator = await _station_in_scope(uow, request.station_id, scope)
            policy = await uow.reservations.policy(request.station_id)
            check_window(policy, request.evse_id, request.starts_at, request.ends_at, now)
            assert policy is not None
            account_id = member or request.account_id
            if member is not None and request.account_id not in (None, member):
                raise NotFound(f"no account {request.account_id!r}")
            if member is not None and request.id_token is not None:
                raise InvalidInput("a member's app reserves with its own account's token")
            token, kind = await _token(uow, account_id, request.id_token, operator, member)
            reservation = Reservation(
                reservation_id=uuid.uuid4(),
                ocpp_reservation_id=0,  # the database's sequence gives it
                station_id=request.station_id,
                evse_id=request.evse_id,
                connector_type=request.connector_type,
                account_id=account_id,
                id_token=token,
                id_token_kind=kind,
                starts_at=request.starts_at,
                ends_at=request.ends_at,
                status=ReservationStatus.SCHEDULED,
                no_show_fee=policy.no_show_fee,
                extension_fee_per_minute=policy.extension_fee_per_minute,
            )
            stored = await uow.reservations.add(reservation)
            record_change(uow, stored, "booked")
        if not self._opener.opens_now(stored, now):
            return stored
        opened = await self._opener.open(stored)
        if opened.status is ReservationStatus.NOT_HONOURED:
            raise ReservationRefused(opened, opened.station_answer or "Rejected")
        return opened

    async def get(
        self, reservation_id: uuid.UUID, scope: str | None, member: str | None = None
    ) -> Reservation:
        async with self._uow() as uow:
            return await _own(uow, reservation_id, scope, member)

    async def search(
        self, query: ReservationQuery, scope: str | None, member: str | None = None
    ) -> list[Reservation]:
        if member is not None:
            query = ReservationQuery(query.station_id, member, query.status, query.limit)
        async with self._uow() as uow:
            return await uow.reservations.search(query, scope)

    async def cancel(
        self, reservation_id: uuid.UUID, scope: str | None, member: str | None = None
    ) -> Reservation:
        """Free until the start (第11条); a member's cancellation from the start on is a
        no-show; an operator's cancellation never is."""
        now = self._clock.now()
        by = CancelledBy.MEMBER if member is not None else CancelledBy.OPERATOR
        async with self._uow() as uow:
            reservation = await _own(uow, reservation_id, scope, member, for_update=True)
            _still_open(reservation)
            if reservation.status is ReservationStatus.USED:
                raise Conflict("the reservation is in use: stop the charging session instead")
            if by is CancelledBy.MEMBER and is_late_cancellation(now, reservation.starts_at):
                why = "cancelled by the member after the window's start"
                ended = await no_show(
                    uow, reservation, now, self._suspension, why, cancelled_by=by.value
                )
            else:
                ended = replace(
                    reservation, status=ReservationStatus.CANCELLED, cancelled_by=by.value
                )
                change = ReservationChange(status=ended.status, cancelled_by=by.value, ended_at=now)
                await uow.reservations.update(reservation_id, change)
                record_change(uow, ended, f"cancelled by the {by.value}")
        if ended.held_by_station:
            await self._opener.release(ended)
        return ended

    async def change_end(
        self, reservation_id: uuid.UUID, end: datetime, scope: str | None, member: str | None
    ) -> Reservation:
        """Only the end changes once the window started (第11条); the station that holds the
        window is sent the new expiry (a ReserveNow with the same id replaces it)."""
        now = self._clock.now()
        async with self._uow() as uow:
            reservation = await _own(uow, reservation_id, scope, member, for_update=True)
            policy = await uow.reservations.policy(reservation.station_id)
            check_new_end(
                reservation, policy or ReservationPolicy(reservation.station_id, True), end, now
            )
            await uow.reservations.extend(reservation, end)
            changed = replace(reservation, ends_at=end)
            record_change(uow, changed, "end changed")
        if changed.status is ReservationStatus.ACTIVE:
            await self._side.hold(changed)
        return changed

    async def statements(
        self, reservation_id: uuid.UUID, scope: str | None, member: str | None = None
    ) -> list[Statement]:
        """The reservation's own statements: its no-show penalty, if it had one."""
        async with self._uow() as uow:
            await _own(uow, reservation_id, scope, member)
            return await uow.statements.of_reservation(reservation_id)

    async def lift_suspension(self, account_id: str, scope: str | None) -> bool:
        async with self._uow() as uow:
            operator = await uow.reservation_accounts.operator_of_account(account_id)
            if operator is None or (scope is not None and operator != scope):
                raise NotFound(f"no account {account_id!r}")
            return await uow.reservation_accounts.lift(account_id, self._clock.now())


def _still_open(reservation: Reservation) -> None:
    if reservation.status not in LIVE or reservation.ended_at is not None:
        raise Conflict(f"the reservation is already {reservation.status.value}")


async def _station_in_scope(
    uow: ReservationsUnitOfWork, station_id: str, scope: str | None
) -> str | None:
    known, operator = await uow.reservation_accounts.station_operator(station_id)
    if not known or (scope is not None and operator != scope):
        raise NotFound(f"no station {station_id!r}")
    return operator


async def _own(
    uow: ReservationsUnitOfWork,
    reservation_id: uuid.UUID,
    scope: str | None,
    member: str | None,
    *,
    for_update: bool = False,
) -> Reservation:
    found = await uow.reservations.get(reservation_id, for_update=for_update, scope=scope)
    if found is None or (member is not None and found.account_id != member):
        raise NotFound(f"no reservation {reservation_id}")
    return found


async def _token(
    uow: ReservationsUnitOfWork,
    account_id: str | None,
    given: str | None,
    operator: str | None,
    member: str | None,
) -> tuple[str, str]:
    """The token the station will see: one given by the operator (a card of the account),
    else, booked in the app, the app's own token (its app start presents it, 第18条), else the
    account's card, else its app's token (an app-only account)."""
    accounts = uow.reservation_accounts
    if account_id is not None:
        await _account_may_reserve(uow, account_id, operator)
    if given is not None:
        token = normalise_token(given)
        if account_id is not None and await accounts.token_owner(token) != account_id:
            raise Conflict(f"the card {given!r} is not the account's")
        return token, "ISO14443"
    if account_id is None:
        raise InvalidInput("give an id_token or an account_id")
    app_tag = await accounts.app_tag_of(account_id) if member is not None else None
    if app_tag is not None:
        return app_tag, "Central"
    card = await accounts.card_of(account_id)
    if card is None:
        raise Conflict("the account has no card or app token to reserve with")
    return card.id_token, card.kind


async def _account_may_reserve(
    uow: ReservationsUnitOfWork, account_id: str, operator: str | None
) -> None:
    accounts = uow.reservation_accounts
    owner = await accounts.operator_of_account(account_id)
    if owner is None or (operator is not None and owner != operator):
        raise NotFound(f"no account {account_id!r} of the station's operator")
    status = await accounts.account_status(account_id)
    if status != "valid":
        raise Conflict(f"the account is {status}: it cannot reserve")
    if await accounts.suspended_since(account_id) is not None:
        raise Conflict("the account's reservation function is suspended (第11条)")
