"""Statements: a session's bill (or a reservation's no-show penalty), inserted once and never
changed (a trigger refuses it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from csms.settlement.models import Statement, StatementLine, StatementStatus
from csms.storage.base import Columns, Fields, Query, SessionRecordRepository


def line_json(line: StatementLine) -> dict[str, str]:
    """A line as stored in ``statements.lines``: exact decimals as text."""
    return {
        "kind": line.kind,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "amount": str(line.amount),
    }


def _lines(items: list[dict[str, Any]]) -> tuple[StatementLine, ...]:
    return tuple(
        StatementLine(
            item["kind"],
            Decimal(item["quantity"]),
            item["unit"],
            Decimal(item["unit_price"]),
            Decimal(item["amount"]),
        )
        for item in items
    )


STATEMENT: Final = Columns(
    Statement,
    "statement_id, session_id, status, corrects, correction_reason, tariff_id, tariff_version,"
    " currency, lines, total, tax_included, tax_rate_percent, waiver, unpriced_reason, inputs,"
    " issued_at, reservation_id",
    status=StatementStatus,
    lines=_lines,
)

# What an insert writes (``issued_at`` is the database's).
ISSUED: Final = Fields(
    Statement,
    "statement_id, session_id, status, corrects, correction_reason, tariff_id, tariff_version,"
    " currency, lines, total, tax_included, tax_rate_percent, waiver, unpriced_reason, inputs,"
    " reservation_id",
    lines=lambda lines: [line_json(line) for line in lines],
)


def statement_json(statement: Statement) -> dict[str, Any]:
    """A statement as an object of its ``ISSUED`` columns (``jsonb_populate_record``
    in a group commit, storage/end_batcher.py); exact decimals and ids as text."""
    values = ISSUED.values(statement)
    return {
        name: str(value) if isinstance(value, UUID | Decimal) else value
        for name, value in zip(ISSUED.names, values, strict=True)
    }


INSERT_STATEMENT: Final = f"""
INSERT INTO statements ({ISSUED.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT DO NOTHING
RETURNING statement_id"""  # noqa: S608 (a constant column list)
SELECT_STATEMENTS_OF_SESSION: Final = Query(
    STATEMENT, "FROM statements", "WHERE session_id = $1", "ORDER BY issued_at, statement_id"
)


SELECT_STATEMENTS_OF_RESERVATION: Final = Query(
    STATEMENT, "FROM statements", "WHERE reservation_id = $1", "ORDER BY issued_at, statement_id"
)


class PostgresStatementRepository(SessionRecordRepository[Statement]):
    __slots__ = ()
    by_session = SELECT_STATEMENTS_OF_SESSION

    async def of_reservation(self, reservation_id: UUID) -> list[Statement]:
        """A reservation's own statements (a no-show penalty), oldest first."""
        return await SELECT_STATEMENTS_OF_RESERVATION.many(self._conn, reservation_id)

    async def add(self, statement: Statement) -> bool:
        """Insert; False when the session already has its original (a replayed stop)."""
        return await self._inserted(INSERT_STATEMENT, *ISSUED.values(statement))
