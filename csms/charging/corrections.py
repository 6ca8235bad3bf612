"""Operator corrections of a session's statement: a new statement, never an edit (billing.md §4).

A correction is issued through the same path as the original (``Settlement.correct``): a
statement held for review stays held until its reason is resolved, e.g. the meter's key is
registered and the signed records verify, and is then priced from the signed readings.
"""

from __future__ import annotations

import uuid

from csms.charging.models import SessionState
from csms.charging.ports import ChargingUnitOfWork
from csms.charging.sessions import facts_of
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider
from csms.settlement.models import Statement
from csms.settlement.service import Settlement
from csms.settlement.tariffs import TariffCatalog


class StatementService:
    def __init__(self, uow: UnitOfWorkProvider[ChargingUnitOfWork], catalog: TariffCatalog) -> None:
        self._uow = uow
        self._settlement = Settlement(catalog)

    async def correct(self, session_id: uuid.UUID, reason: str) -> Statement:
        """Price the session again with today's tariffs and keys; the result refers to the
        statement it corrects (e.g. after an assignment was fixed for an unpriced session)."""
        if not reason.strip():
            raise InvalidInput("a correction needs a reason")
        async with self._uow() as uow:
            session = await uow.sessions.by_id(session_id)
            if session is None:
                raise NotFound(f"no session {session_id}")
            if session.state is not SessionState.COMPLETED or session.stopped_at is None:
                raise Conflict("the session has not finished; it has no statement to correct")
            current = (await uow.statements.of_session(session_id))[-1]
            facts = facts_of(session, session.stopped_at, session.energy_wh)
            correction = await self._settlement.correct(uow, facts, current, reason.strip())
            if correction is None:
                raise Conflict(f"statement {current.statement_id} was corrected meanwhile")
        return correction
