"""Reading issued invoices (seed 003): one with the invoice that corrects it, a search, and
the months the scheduler is waiting on. Tenancy as elsewhere: with ``scope=OPERATOR_ID``
only that operator's invoices exist (another's are NotFound)."""

from __future__ import annotations

from uuid import UUID

from csms.errors import NotFound
from csms.invoicing.issuing import InvoiceIssuer
from csms.invoicing.models import Invoice
from csms.invoicing.ports import InvoicingUnitOfWork
from csms.ports import UnitOfWorkProvider

Versioned = tuple[Invoice, UUID | None]  # an invoice and the one that corrects it (None)


class InvoiceBook:
    def __init__(self, uow: UnitOfWorkProvider[InvoicingUnitOfWork], issuer: InvoiceIssuer) -> None:
        self._uow, self._issuer = uow, issuer

    async def get(self, invoice_id: UUID, scope: str | None) -> Versioned:
        async with self._uow() as uow:
            found = await uow.invoices.get(invoice_id, scope)
            newer = await uow.invoices.corrected_by(invoice_id) if found else None
        if found is None:
            raise NotFound(f"no invoice {invoice_id}")
        return found, newer

    async def search(
        self, contract_id: str | None, month: str | None, scope: str | None
    ) -> list[Versioned]:
        """Corrections have their invoice's contract and month, so they are in the same list."""
        async with self._uow() as uow:
            found = await uow.invoices.search(contract_id, month, scope)
        newer = {i.corrects: i.invoice_id for i in found if i.corrects is not None}
        return [(invoice, newer.get(invoice.invoice_id)) for invoice in found]

    def waiting(self, scope: str | None) -> list[dict[str, str]]:
        """As of the scheduler's last tick."""
        return [
            {"contract_id": contract_id, "month": month, "reason": why.reason, "detail": str(why)}
            for (contract_id, month), (operator_id, why) in sorted(self._issuer.waiting.items())
            if scope is None or operator_id == scope
        ]
