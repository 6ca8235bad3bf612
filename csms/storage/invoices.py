"""Issued invoices (migration 018): the qualified invoice as a JSON document beside the
columns queries need. Money and kWh are stored as decimal strings in the document, so they
read back exactly; the rows are never updated (a trigger refuses it)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from csms.billing.invoice import InvoiceLine
from csms.contracts.models import ContractMeter
from csms.invoicing.documents import MONEY_FIELDS, document_of
from csms.invoicing.models import Invoice, Issuer, Recipient
from csms.storage.base import Repository

INSERT: Final = """
INSERT INTO invoices (invoice_id, invoice_number, contract_id, operator_id, month, issued_at,
                      corrects, total, carried_over, amount_due, document)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT DO NOTHING
RETURNING invoice_id"""
SELECT: Final = "SELECT document FROM invoices"
CURRENT: Final = "NOT EXISTS (SELECT 1 FROM invoices newer WHERE newer.corrects = i.invoice_id)"
AWAITING: Final = f"""
SELECT i.document FROM invoices i
WHERE i.amount_due > 0 AND {CURRENT}
  AND NOT EXISTS (SELECT 1 FROM payments p
                  WHERE p.invoice_id = i.invoice_id AND p.state <> 'cancelled')
ORDER BY i.issued_at"""  # noqa: S608 (constant text)


class PostgresInvoiceRepository(Repository):
    __slots__ = ()

    async def add(self, invoice: Invoice) -> bool:
        return await self._inserted(
            INSERT,
            invoice.invoice_id,
            invoice.invoice_number,
            invoice.contract_id,
            invoice.operator_id,
            invoice.month,
            invoice.issued_at,
            invoice.corrects,
            invoice.total,
            invoice.carried_over,
            invoice.amount_due,
            document_of(invoice),
        )

    async def get(self, invoice_id: UUID, scope: str | None) -> Invoice | None:
        found = await self._conn.fetchval(
            f"{SELECT} WHERE invoice_id = $1 AND ($2::text IS NULL OR operator_id = $2)",
            invoice_id,
            scope,
        )
        return invoice_of(found) if found is not None else None

    async def search(
        self, contract_id: str | None, month: str | None, scope: str | None
    ) -> list[Invoice]:
        rows = await self._conn.fetch(
            f"{SELECT} WHERE ($1::text IS NULL OR contract_id = $1)"
            " AND ($2::text IS NULL OR month = $2) AND ($3::text IS NULL OR operator_id = $3)"
            " ORDER BY month DESC, issued_at DESC LIMIT 500",
            contract_id,
            month,
            scope,
        )
        return [invoice_of(row["document"]) for row in rows]

    async def issued_months(self) -> set[tuple[str, str]]:
        rows = await self._conn.fetch(
            "SELECT contract_id, month FROM invoices WHERE corrects IS NULL"
        )
        return {(row["contract_id"], row["month"]) for row in rows}

    async def corrected_by(self, invoice_id: UUID) -> UUID | None:
        found: UUID | None = await self._conn.fetchval(
            "SELECT invoice_id FROM invoices WHERE corrects = $1", invoice_id
        )
        return found

    async def lock(self, invoice_id: UUID) -> None:
        await self._conn.execute(
            "SELECT 1 FROM invoices WHERE invoice_id = $1 FOR UPDATE", invoice_id
        )

    async def corrections_of(self, contract_id: str, month: str) -> int:
        count: int = await self._conn.fetchval(
            "SELECT count(*) FROM invoices WHERE contract_id = $1 AND month = $2"
            " AND corrects IS NOT NULL",
            contract_id,
            month,
        )
        return count

    async def awaiting_payment(self) -> list[Invoice]:
        return [invoice_of(row["document"]) for row in await self._conn.fetch(AWAITING)]


def invoice_of(data: dict[str, Any]) -> Invoice:
    meter = data["meter"]
    return Invoice(
        invoice_id=UUID(data["invoice_id"]),
        invoice_number=data["invoice_number"],
        contract_id=data["contract_id"],
        operator_id=data["operator_id"],
        month=data["month"],
        period_start=date.fromisoformat(data["period_start"]),
        period_end=date.fromisoformat(data["period_end"]),
        issued_at=datetime.fromisoformat(data["issued_at"]),
        issuer=Issuer(**data["issuer"]),
        recipient=Recipient(**data["recipient"]),
        meter=ContractMeter(**meter) if meter is not None else None,
        lines=tuple(_line(line) for line in data["lines"]),
        **{name: Decimal(data[name]) for name in MONEY_FIELDS},
        carried_from=tuple(data["carried_from"]),
        corrects=UUID(data["corrects"]) if data["corrects"] else None,
        corrects_number=data.get("corrects_number"),
    )


def _line(data: dict[str, str]) -> InvoiceLine:
    return InvoiceLine(
        kind=data["kind"],
        description=data["description"],
        quantity=Decimal(data["quantity"]),
        unit=data["unit"],
        unit_price=Decimal(data["unit_price"]),
        amount=Decimal(data["amount"]),
        tax_category=data["tax_category"],
    )
