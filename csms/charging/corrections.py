"""Operator decisions on a session's statement: corrections (a new statement, never an edit,
billing.md §4) and closing a stuck session (docs/reliability.md, "Stuck sessions").

A correction is issued through the same path as the original (``Settlement.correct``): a
statement held for review stays held until its reason is resolved, e.g. the meter's key is
registered and the signed records verify, and is then priced from the signed readings.
"""

from __future__ import annotations

import uuid

from csms.charging.endings import Ending, end_at_last_reading, ending
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

    async def close_by_operator(
        self, session_id: uuid.UUID, reason: str, closed_by: str
    ) -> Statement:
        """End a session its station never ended (it vanished mid-session) at its last known
        reading and settle it: priced as measured, the statement says who closed it and why
        (``inputs.closed_by_operator``); held only when its metering holds it.

        Raises:
            InvalidInput: no reason. NotFound: no such session. Conflict: it has ended.
        """
        if not reason.strip():
            raise InvalidInput("closing a session needs a reason")
        async with self._uow() as uow:
            session = await uow.sessions.by_id(session_id, for_update=True)
            if session is None:
                raise NotFound(f"no session {session_id}")
            if session.state is not SessionState.ACTIVE:
                raise Conflict("the session has already ended")
            note = ending(Ending.CLOSED_BY_OPERATOR, by=closed_by, reason=reason.strip())
            await end_at_last_reading(uow, self._settlement, session, note)
            return (await uow.statements.of_session(session_id))[-1]
