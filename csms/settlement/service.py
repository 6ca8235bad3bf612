"""Settle a finished session and correct a statement, through one issuing path
(billing.md §4, seeds 000/003/004).

``settle`` decides the metering once, stores it with the session and issues the statement;
``correct`` issues a new statement that refers to the current one, from the stored metering
(verified again first when it was held for the meter), so a correction never bills a
signed-meter session from the charger's register.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

from csms.authorization.ports import VisitorsUnitOfWork
from csms.events import StatementIssued
from csms.settlement.metering import (
    hold_if_refused,
    measure,
    measure_unsigned,
    meter_needs_checking,
)
from csms.settlement.models import (
    EnergySource,
    Metering,
    ReviewReason,
    SessionFacts,
    Statement,
    StatementStatus,
)
from csms.settlement.ports import SettlementUnitOfWork, SettlementWithMailUnitOfWork
from csms.settlement.statements import issue_statement, reason_code
from csms.settlement.tariffs import TariffCatalog


class Settlement:
    def __init__(self, catalog: TariffCatalog) -> None:
        self._catalog = catalog

    async def decide(self, uow: SettlementUnitOfWork, facts: SessionFacts) -> Metering:
        """The finished session's metering decision; the caller stores it with the session
        (``SessionCompletion.metering``: one write with the session's end)."""
        return hold_if_refused(await measure(uow, facts), facts)

    async def decide_unsigned(
        self, uow: SettlementUnitOfWork, facts: SessionFacts
    ) -> Metering | None:
        """:meth:`decide` for a session no signing meter measures; None where one does."""
        metering = await measure_unsigned(uow, facts)
        return hold_if_refused(metering, facts) if metering is not None else None

    async def statement_for(
        self, uow: SettlementUnitOfWork, facts: SessionFacts, metering: Metering
    ) -> Statement:
        """The session's original statement, priced under its terms (not stored here)."""
        terms = await uow.pricing_terms.terms_of(facts.session_id, facts.id_token, facts.station_id)
        return issue_statement(self._catalog, facts, metering, terms=terms)

    async def settle(
        self, uow: SettlementWithMailUnitOfWork, facts: SessionFacts, metering: Metering
    ) -> Decimal | None:
        """Issue the statement once; returns the total when a statement was issued."""
        statement = await self.statement_for(uow, facts, metering)
        if not await uow.statements.add(statement):  # one original per session
            return await issued_total(uow, facts.session_id)
        uow.record(issued_event(facts, statement))
        if facts.visitor_id is not None:
            await _notify_visitor(uow, facts.visitor_id, statement.total)
        return billed_total(statement)

    @staticmethod
    async def _measure_again(
        uow: SettlementUnitOfWork, facts: SessionFacts, held: Metering | None
    ) -> Metering:
        """Verify a held session's signed records again (its meter's key may be known now).

        A session once measured by a signed meter is never billed from the charger's register:
        if the meter's record no longer covers it (moved, re-dated, no longer signing), it
        stays held as it was.
        """
        metering = hold_if_refused(await measure(uow, facts), facts)
        signed = EnergySource.SIGNED_METER
        if held is not None and held.source is signed and metering.source is not signed:
            return held
        return metering

    async def correct(
        self,
        uow: SettlementWithMailUnitOfWork,
        facts: SessionFacts,
        current: Statement,
        reason: str,
        *,
        by_operator: bool = True,
    ) -> Statement | None:
        """A new statement for ``current``; None when another correction came first.
        ``by_operator`` False: the system corrects (a station's late stop), so no hold the
        operator was shown counts as released."""
        metering = await uow.metering.of_session(facts.session_id)
        if metering is None or meter_needs_checking(metering):
            metering = await self._measure_again(uow, facts, metering)
            await uow.metering.save(facts.session_id, metering)
        if by_operator:
            metering = _operator_decides(metering, current)
        terms = await uow.pricing_terms.terms_of(facts.session_id, facts.id_token, facts.station_id)
        correction = issue_statement(
            self._catalog,
            facts,
            metering,
            corrects=current.statement_id,
            correction_reason=reason,
            terms=terms,
        )
        if not await uow.statements.add(correction):
            return None
        uow.record(issued_event(facts, correction))
        return correction


_OPERATOR_RELEASES = (
    ReviewReason.AUTHORIZATION_REFUSED,
    ReviewReason.SUPERSEDED,
    ReviewReason.INTERRUPTED,
)


def _operator_decides(metering: Metering, current: Statement) -> Metering:
    """Correcting a statement that showed a refused-token, superseded or interrupted hold is
    the operator's decision to bill it; a hold the operator has not been shown stays."""
    reason = metering.review_reason
    shown = reason is not None and current.inputs.get("review_reason") == reason.value
    if shown and reason in _OPERATOR_RELEASES:
        return replace(metering, review_reason=None, review_detail=None)
    return metering


def issued_event(facts: SessionFacts, statement: Statement) -> StatementIssued:
    """What issuing ``statement`` records (every statement of a session)."""
    return StatementIssued(
        facts.station_id,
        session_id=str(facts.session_id),
        statement_id=str(statement.statement_id),
        status=statement.status.value,
        tariff_id=statement.tariff_id,
        total=str(statement.total) if statement.total is not None else None,
        reason_code=reason_code(statement),
        reason=statement.unpriced_reason,
        visitor_id=str(facts.visitor_id) if facts.visitor_id else None,
        correction=statement.corrects is not None,
    )


def billed_total(statement: Statement) -> Decimal | None:
    """The total a station shows and a result carries: an issued statement's, else None."""
    return statement.total if statement.status is StatementStatus.ISSUED else None


async def issued_total(uow: SettlementUnitOfWork, session_id: uuid.UUID) -> Decimal | None:
    """The current statement's total, when it is an issued one (replayed stops)."""
    statements = await uow.statements.of_session(session_id)
    return billed_total(statements[-1]) if statements else None


async def _notify_visitor(
    uow: VisitorsUnitOfWork, visitor_id: uuid.UUID, total: Decimal | None
) -> None:
    """Seed 000: a visitor who asked for it gets a "charging complete" mail with the fee."""
    visitor = await uow.visitors.get(visitor_id)
    if visitor is None or not visitor.notify:
        return
    fee = f"{total} yen (tax included)" if total is not None else "to be confirmed"
    await uow.mail.add(
        "charging_complete",
        visitor.email,
        "充電が完了しました / Charging complete",
        f"{visitor.name} 様\n\n充電が完了しました。料金: {fee}\n"
        f"Charging at stand {visitor.stand_id} is complete. Fee: {fee}\n",
    )
