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
from typing import Final

from csms.billing.pricer import NoTariffInForce, price_session
from csms.core.models import Statement, StatementLine, StatementStatus
from csms.core.tariffs import NoTariffAssigned, TariffCatalog

ENERGY_FROM_CHARGER_REGISTER: Final = "charger_register"


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
) -> Statement:
    """Price the session; any reason it cannot be priced becomes an unpriced statement."""
    inputs = {
        "started_at": started_at.isoformat(),
        "stopped_at": stopped_at.isoformat(),
        "energy_wh": str(energy_wh) if energy_wh is not None else None,
        "energy_source": energy_source,
        "station_id": station_id,
        "evse_id": evse_id,
    }
    base = {
        "statement_id": uuid.uuid4(),
        "session_id": session_id,
        "inputs": inputs,
        "corrects": corrects,
        "correction_reason": correction_reason,
    }
    try:
        if energy_wh is None:
            raise ValueError("the delivered energy is unknown (no start or stop register)")
        tariff = catalog.resolve(station_id, evse_id)
        quote = price_session(tariff, started_at, stopped_at, energy_wh)
    except (NoTariffAssigned, NoTariffInForce, ValueError) as exc:
        return Statement(
            status=StatementStatus.UNPRICED,
            tariff_id=None,
            tariff_version=None,
            currency="JPY",
            lines=(),
            total=None,
            tax_included=None,
            tax_rate_percent=None,
            waiver=None,
            unpriced_reason=str(exc),
            **base,  # type: ignore[arg-type]
        )
    return Statement(
        status=StatementStatus.ISSUED,
        tariff_id=quote.tariff_id,
        tariff_version=quote.tariff_version,
        currency=quote.currency,
        lines=tuple(
            StatementLine(line.kind, line.quantity, line.unit, line.unit_price, line.amount)
            for line in quote.lines
        ),
        total=quote.total,
        tax_included=quote.tax_included,
        tax_rate_percent=quote.tax_rate_percent,
        waiver=quote.waiver,
        unpriced_reason=None,
        **base,  # type: ignore[arg-type]
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
