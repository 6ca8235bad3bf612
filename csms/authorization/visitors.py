"""Visitors: per-use registration at a stand (seed 000) or a password site (seed 004).

* A registration at a card-touch stand opens a 60-second window (seed 000: 60秒以内にタッチ);
  the first card presented there inside it is bound to this visit (authorization.py). One
  window is open per stand at a time: while it is open, a second registration at the same
  stand is refused (``StandBusy``, with the seconds until it closes) and nothing extends or
  replaces the open window, so nobody can keep a stand for themselves by registering again.
* A registration at a password site issues a numeric one-time password instead, valid for
  a configurable time, good for one session.
Name, e-mail and a payment reference are kept; card numbers never are.
"""

from __future__ import annotations

import math
import re
import secrets
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from csms.authorization.models import Stand, Visitor
from csms.authorization.ports import IssuedPassword, VisitorsUnitOfWork, VisitProgress
from csms.authorization.rule import password_hash
from csms.clock import Clock
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider
from csms.records import frozen

TOUCH_WINDOW: Final = timedelta(seconds=60)  # seed 000: 60秒以内にタッチ
_CARD_NUMBER: Final = re.compile(r"(?:\d[ -]?){13,19}")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_DIGITS: Final = 6


class UnknownStand(NotFound):
    """No stand has this id (the public page answers it like a busy stand: no hint)."""

    def __init__(self, stand_id: str) -> None:
        super().__init__(f"no stand {stand_id!r}")
        self.stand_id = stand_id


class StandBusy(Conflict):
    """Another visitor's touch window is open at the stand; it closes in ``wait_s`` seconds."""

    def __init__(self, stand_id: str, wait_s: int) -> None:
        super().__init__(
            f"another visitor is registering at stand {stand_id}; try again in {wait_s} s"
        )
        self.stand_id = stand_id
        self.wait_s = wait_s


@frozen
class VisitRegistered:
    visitor_id: uuid.UUID
    stand_id: str
    window_closes_at: datetime | None = None
    password: str | None = None
    password_expires_at: datetime | None = None


@frozen
class VisitState:
    state: str
    seconds_left: int = 0
    total: Decimal | None = None


def _state_of(progress: VisitProgress, now: datetime) -> VisitState:
    if progress.session_state is not None:
        if progress.session_state == "completed":
            return VisitState("completed", total=progress.total)
        return VisitState("charging")
    if progress.touched_at is not None or progress.password_used_at is not None:
        return VisitState("touched")
    ends = progress.closes_at or progress.password_expires_at
    if ends is None:
        return VisitState("expired")
    left = math.ceil((ends - now).total_seconds())
    if progress.closes_at is None:  # a password stand: the password's validity
        return VisitState("password", seconds_left=left) if left > 0 else VisitState("expired")
    return VisitState("waiting", seconds_left=left) if left > 0 else VisitState("expired")


def _validate(name: str, email: str, payment_reference: str) -> None:
    if not name.strip() or len(name) > 100:
        raise InvalidInput("name: 1-100 characters")
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("email: not an e-mail address")
    if not payment_reference.strip() or len(payment_reference) > 100:
        raise InvalidInput("payment_reference: 1-100 characters (a payment service's reference)")
    if _CARD_NUMBER.search(payment_reference) or _CARD_NUMBER.search(name):
        raise InvalidInput(
            "card numbers are never accepted here: send the payment service's reference instead"
        )


class VisitorService:
    def __init__(
        self, uow: UnitOfWorkProvider[VisitorsUnitOfWork], clock: Clock, *, password_ttl: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._password_ttl = password_ttl

    async def register(
        self, stand_id: str, name: str, email: str, payment_reference: str, *, notify: bool
    ) -> VisitRegistered:
        """Register a visitor at a stand: a touch window, or a one-time password.

        Seed 000: the visitor then touches any FeliCa card within 60 s (60秒以内にタッチ).
        Raises ``UnknownStand``, or ``StandBusy`` while another visitor's window is open there
        (the open window is never extended or replaced).
        """
        _validate(name, email, payment_reference)
        now = self._clock.now()
        visitor_id = uuid.uuid4()
        async with self._uow() as uow:
            stand = await uow.stands.get(stand_id)
            if stand is None:
                raise UnknownStand(stand_id)
            visitor = Visitor(
                visitor_id, stand_id, name.strip(), email, payment_reference, notify, now
            )
            if stand.uses_passwords:
                await uow.visitors.add(visitor)
                return await self._issue_password(uow, visitor, stand, now)
            busy_until = await uow.visitors.open_window_at(stand_id, now)
            if busy_until is not None:
                raise StandBusy(stand_id, max(math.ceil((busy_until - now).total_seconds()), 1))
            await uow.visitors.add(visitor)
            closes_at = now + TOUCH_WINDOW
            await uow.visitors.open_window(visitor_id, stand, now, closes_at)
        return VisitRegistered(visitor_id, stand_id, window_closes_at=closes_at)

    async def stand(self, stand_id: str) -> Stand:
        """The stand a visitor's page is for (UnknownStand: none)."""
        async with self._uow() as uow:
            found = await uow.stands.get(stand_id)
        if found is None:
            raise UnknownStand(stand_id)
        return found

    async def progress(self, visitor_id: uuid.UUID) -> VisitState:
        """Where a visit stands, for its page (seed 000: touch within 60 s, then charge).

        ``waiting`` (the window is open, ``seconds_left``), ``expired`` (it closed with no
        card, or the password expired unused), ``touched`` (a card was touched or the
        password entered, no session yet), ``charging``, ``completed`` (with the statement's
        ``total`` once priced), or ``password`` (a password stand, ``seconds_left`` of its
        validity).
        """
        async with self._uow() as uow:
            found = await uow.visitors.progress(visitor_id)
        if found is None:
            raise NotFound("no such visit")
        return _state_of(found, self._clock.now())

    async def _issue_password(
        self, work: VisitorsUnitOfWork, visitor: Visitor, stand: Stand, now: datetime
    ) -> VisitRegistered:
        for _ in range(20):
            code = f"{secrets.randbelow(10**PASSWORD_DIGITS):0{PASSWORD_DIGITS}d}"
            digest = password_hash(code)
            if not await work.visitor_passwords.in_use(stand.station_id, digest, now):
                break
        else:
            raise Conflict("could not issue a unique password; try again")
        expires_at = now + self._password_ttl
        await work.visitor_passwords.add(
            IssuedPassword(visitor.visitor_id, stand.station_id, digest, now, expires_at)
        )
        return VisitRegistered(
            visitor.visitor_id, stand.stand_id, password=code, password_expires_at=expires_at
        )
