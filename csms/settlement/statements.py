"""Issue a session's statement from the billing engine (billing.md §4).

The statement names the tariff and version, every line (quantity after rounding, unit,
unit price, amount in integer yen), the total and the included tax, and the inputs used
(start, stop, energy and where it came from). A session that cannot be priced gets an
``unpriced`` statement with the reason, never a silent zero.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from csms.billing.pricer import NoTariffInForce, price_session
from csms.charging.models import SessionState
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider
from csms.settlement.models import Statement, StatementStatus
from csms.settlement.tariffs import NoTariffAssigned, TariffCatalog

ENERGY_FROM_CHARGER_REGISTER: Final = "charger_register"
ENERGY_FROM_SIGNED_METER: Final = "signed_meter"


def build_statement(
    catalog: TariffCatalog,
    *,
    session_id: uuid.UUID,
    station_id: str,
    evse_id: int,
    started_at: datetime,
    stopped_at: datetime,
    energy_wh: Decimal | None,
    energy_source: str = ENERGY_FROM_CHARGER_REGISTER,
    corrects: uuid.UUID | None = None,
    correction_reason: str | None = None,
    meter: dict[str, Any] | None = None,
    review_reason: str | None = None,
) -> Statement:
    """Price the session; any reason it cannot be priced becomes an unpriced statement.

    ``meter`` (identity and signed begin/end readings) is printed on the statement when a
    billing meter measured the session; ``review_reason`` holds it as ``needs_review``.
    """
    inputs: dict[str, Any] = {
        "started_at": started_at.isoformat(),
        "stopped_at": stopped_at.isoformat(),
        "energy_wh": str(energy_wh) if energy_wh is not None else None,
        "energy_source": energy_source,
        "station_id": station_id,
        "evse_id": evse_id,
    }
    if meter is not None:
        inputs["meter"] = meter
    statement_id = uuid.uuid4()

    def without_price(status: StatementStatus, reason: str) -> Statement:
        """Held for review or unpriced: the reason, never a price of zero."""
        return Statement(
            statement_id=statement_id,
            session_id=session_id,
            status=status,
            tariff_id=None,
            tariff_version=None,
            currency="JPY",
            lines=(),
            total=None,
            tax_included=None,
            tax_rate_percent=None,
            waiver=None,
            unpriced_reason=reason,
            inputs=inputs,
            corrects=corrects,
            correction_reason=correction_reason,
        )

    if review_reason is not None:
        return without_price(StatementStatus.NEEDS_REVIEW, review_reason)
    try:
        if energy_wh is None:
            raise ValueError("the delivered energy is unknown (no start or stop register)")
        tariff = catalog.resolve(station_id, evse_id)
        quote = price_session(tariff, started_at, stopped_at, energy_wh)
    except (NoTariffAssigned, NoTariffInForce, ValueError) as exc:
        return without_price(StatementStatus.UNPRICED, str(exc))
    return Statement(
        status=StatementStatus.ISSUED,
        tariff_id=quote.tariff_id,
        tariff_version=quote.tariff_version,
        currency=quote.currency,
        lines=quote.lines,
        total=quote.total,
        tax_included=quote.tax_included,
        tax_rate_percent=quote.tax_rate_percent,
        waiver=quote.waiver,
        unpriced_reason=None,
        inputs=inputs,
        statement_id=statement_id,
        session_id=session_id,
        corrects=corrects,
        correction_reason=correction_reason,
    )


def unpriced_reason_code(reason: str) -> str:
    """A bounded metric label for an unpriced reason (the text itself goes to the row)."""
    if "no tariff assignment" in reason or "no tariff applies" in reason:
        return "no_tariff_assigned"
    if "no version in force" in reason:
        return "no_version_in_force"
    if "energy is unknown" in reason:
        return "energy_unknown"
    return "invalid_inputs"


class StatementService:
    """Operator use cases on statements: corrections (a new statement, never an edit)."""

    def __init__(self, uow: UnitOfWorkProvider, catalog: TariffCatalog) -> None:
        self._uow = uow
        self._catalog = catalog

    async def correct(self, session_id: uuid.UUID, reason: str) -> Statement:
        """Price the session again with today's tariffs; the result refers to the statement
        it corrects (e.g. after an assignment was fixed for an unpriced session)."""
        if not reason.strip():
            raise InvalidInput("a correction needs a reason")
        async with self._uow() as uow:
            session = await uow.sessions.by_id(session_id)
            if session is None:
                raise NotFound(f"no session {session_id}")
            statements = await uow.statements.of_session(session_id)
            if session.state is not SessionState.COMPLETED or session.stopped_at is None:
                raise Conflict("the session has not finished; it has no statement to correct")
            current = statements[-1]
            correction = build_statement(
                self._catalog,
                session_id=session.session_id,
                station_id=session.station_id,
                evse_id=session.evse_id,
                started_at=session.started_at,
                stopped_at=session.stopped_at,
                energy_wh=session.energy_wh,
                energy_source=current.inputs.get("energy_source", ENERGY_FROM_CHARGER_REGISTER),
                corrects=current.statement_id,
                correction_reason=reason.strip(),
            )
            if not await uow.statements.add(correction):
                raise Conflict(f"statement {current.statement_id} was corrected meanwhile")
        return correction
