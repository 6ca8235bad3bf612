"""Statements: a session's bill, inserted once and never changed (a trigger refuses it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from csms.settlement.models import Statement, StatementLine, StatementStatus
from csms.storage.base import Columns, Repository


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
    " issued_at",
    status=StatementStatus,
    lines=_lines,
)

INSERT_STATEMENT: Final = """
INSERT INTO statements (statement_id, session_id, status, corrects, correction_reason,
                        tariff_id, tariff_version, currency, lines, total, tax_included,
                        tax_rate_percent, waiver, unpriced_reason, inputs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT DO NOTHING
RETURNING statement_id"""
SELECT_STATEMENTS_OF_SESSION: Final = f"""
SELECT {STATEMENT.sql}
FROM statements
WHERE session_id = $1
ORDER BY issued_at, statement_id"""  # noqa: S608 (a constant column list)


class PostgresStatementRepository(Repository):
    __slots__ = ()

    async def add(self, statement: Statement) -> bool:
        """Insert; False when the session already has its original (a replayed stop)."""
        inserted = await self._conn.fetchval(
            INSERT_STATEMENT,
            statement.statement_id,
            statement.session_id,
            statement.status.value,
            statement.corrects,
            statement.correction_reason,
            statement.tariff_id,
            statement.tariff_version,
            statement.currency,
            [line_json(line) for line in statement.lines],
            statement.total,
            statement.tax_included,
            statement.tax_rate_percent,
            statement.waiver,
            statement.unpriced_reason,
            statement.inputs,
        )
        return inserted is not None

    async def of_session(self, session_id: UUID) -> list[Statement]:
        return STATEMENT.many(await self._conn.fetch(SELECT_STATEMENTS_OF_SESSION, session_id))
