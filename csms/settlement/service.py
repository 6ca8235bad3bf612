"""Settle a finished session: its energy (charger register or signed billing meter), its
statement, and the visitor's "charging complete" mail (billing.md §4, seeds 000/003/004).

A connector with a registered signed billing meter bills the meter's verified energy or is
held ``needs_review``; every other connector bills the charger's register.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import structlog

from csms.charging.models import Session
from csms.meter.ocmf import Reading
from csms.meter.verify import OcmfVerificationError
from csms.observability import (
    METER_VERIFICATION_FAILURES,
    SESSIONS_UNPRICED,
    STATEMENTS_ISSUED,
)
from csms.ports import UnitOfWork
from csms.settlement.models import StatementStatus
from csms.settlement.signed_data import meter_energy
from csms.settlement.statements import (
    ENERGY_FROM_CHARGER_REGISTER,
    ENERGY_FROM_SIGNED_METER,
    build_statement,
    unpriced_reason_code,
)
from csms.settlement.tariffs import TariffCatalog

log = structlog.get_logger(__name__)


class Settlement:
    def __init__(self, catalog: TariffCatalog) -> None:
        self._catalog = catalog

    async def settle(
        self, uow: UnitOfWork, session: Session, stopped_at: datetime, energy_wh: Decimal | None
    ) -> Decimal | None:
        """Price the finished session; the unique index keeps it to one original.

        Returns the statement's total when it was issued (None: unpriced or held).

        A connector with a registered signed billing meter bills the meter's verified energy
        or is held for review; others bill the charger's register.
        """
        await uow.meters.link_signed_records(
            session.station_id, session.transaction_id, session.session_id
        )
        meter = await uow.meters.meter_for(session.station_id, session.evse_id, session.started_at)
        source, meter_info, review = ENERGY_FROM_CHARGER_REGISTER, None, None
        if meter is not None and meter.signs_ocmf:
            source, meter_info = ENERGY_FROM_SIGNED_METER, meter.identity()
            try:
                signed = meter_energy(
                    meter,
                    await uow.meters.signed_records_of(session.session_id),
                    id_token=session.id_token,
                    started_at=session.started_at,
                    stopped_at=stopped_at,
                )
                energy_wh = signed.energy_wh
                meter_info |= {
                    "signed_begin": _reading(signed.begin),
                    "signed_end": _reading(signed.end),
                }
            except OcmfVerificationError as exc:
                review = f"{exc.code}: {exc}"
                METER_VERIFICATION_FAILURES.labels(exc.code).inc()
                log.warning(
                    "meter_verification_failed",
                    session_id=str(session.session_id),
                    meter=meter.serial,
                    reason=review,
                )
        statement = build_statement(
            self._catalog,
            session_id=session.session_id,
            station_id=session.station_id,
            evse_id=session.evse_id,
            started_at=session.started_at,
            stopped_at=stopped_at,
            energy_wh=energy_wh,
            energy_source=source,
            meter=meter_info,
            review_reason=review,
        )
        if not await uow.statements.add(statement):
            return await issued_total(uow, session.session_id)
        STATEMENTS_ISSUED.labels(statement.status.value).inc()
        if session.visitor_id is not None:
            await _notify_visitor(uow, session.visitor_id, statement.total)
        if statement.status is StatementStatus.UNPRICED and statement.unpriced_reason:
            SESSIONS_UNPRICED.labels(unpriced_reason_code(statement.unpriced_reason)).inc()
            log.warning(
                "session_unpriced",
                session_id=str(session.session_id),
                reason=statement.unpriced_reason,
            )
        else:
            log.info(
                "statement_issued",
                session_id=str(session.session_id),
                tariff_id=statement.tariff_id,
                total=str(statement.total),
            )
        return statement.total if statement.status is StatementStatus.ISSUED else None


async def issued_total(uow: UnitOfWork, session_id: uuid.UUID) -> Decimal | None:
    """The current statement's total, when it is an issued one (replayed stops)."""
    statements = await uow.statements.of_session(session_id)
    if statements and statements[-1].status is StatementStatus.ISSUED:
        return statements[-1].total
    return None


async def _notify_visitor(uow: UnitOfWork, visitor_id: uuid.UUID, total: Decimal | None) -> None:
    """Seed 000: a visitor who asked for it gets a "charging complete" mail with the fee."""
    visitor = await uow.visitors.visitor(visitor_id)
    if visitor is None or not visitor.notify:
        return
    fee = f"{total} yen (tax included)" if total is not None else "to be confirmed"
    await uow.visitors.add_mail(
        "charging_complete",
        visitor.email,
        "充電が完了しました / Charging complete",
        f"{visitor.name} 様\n\n充電が完了しました。料金: {fee}\n"
        f"Charging at stand {visitor.stand_id} is complete. Fee: {fee}\n",
    )


def _reading(reading: Reading) -> dict[str, str | None]:
    """A signed reading as the statement prints it (value and unit as the meter states)."""
    return {
        "value": str(reading.value),
        "unit": reading.unit,
        "time": reading.time.isoformat() if reading.time else None,
    }
