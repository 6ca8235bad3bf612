"""Correcting an issued invoice (billing.md §4: a correction is a new statement that refers to
the one it corrects; seed 003, 001).

:meth:`InvoiceCorrections.correct` re-quotes the month from the contract and readings as they
are now, with the same carried-over amount, as a new invoice whose ``corrects`` names the old
one. In the same transaction, with the old invoice and its payments locked (a payment being
captured or sent at that moment waits, or came first):

* a paid invoice, one whose amount was carried into a later invoice, and one corrected
  already are refused (409 saying why: a refund, or the later invoice's business);
* the old invoice's open payment is cancelled (its link no longer pays anything), and an
  expired or failed one is retired into the correction (``carried_into``), so its amount is
  asked for once, by the correction, and never carried again.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from csms.billing.invoice import MeterReadings
from csms.billing.plans import Month
from csms.clock import Clock
from csms.contracts.models import Contract
from csms.errors import Conflict, NotFound
from csms.invoicing.changes import payment_changed
from csms.invoicing.documents import build_invoice
from csms.invoicing.issuing import InvoiceIssuer, NotIssuable, record_issued
from csms.invoicing.models import UNPAID_STATES, Invoice, Payment, PaymentEvent, PaymentState
from csms.invoicing.ports import InvoicingUnitOfWork
from csms.ports import UnitOfWorkProvider


class InvoiceCorrections:
    def __init__(
        self, uow: UnitOfWorkProvider[InvoicingUnitOfWork], clock: Clock, issuer: InvoiceIssuer
    ) -> None:
        self._uow, self._clock, self._issuer = uow, clock, issuer

    async def correct(self, invoice_id: UUID, scope: str | None) -> Invoice:
        """The correction of the invoice (the module's rules).

        Raises:
            NotFound: no such invoice (or another operator's).
            Conflict: it is paid, carried over or corrected already, or the month cannot be
                quoted now (the reason).
        """
        async with self._uow() as uow:
            old = await uow.invoices.get(invoice_id, scope)
            contract = await uow.contracts.get(old.contract_id, None) if old else None
        if old is None or contract is None:
            raise NotFound(f"no invoice {invoice_id}")
        month = Month.parse(old.month)
        try:
            readings = await self._issuer.readings_for(contract, month)
            return await self._reissue(old, contract, month, readings)
        except NotIssuable as refused:
            raise Conflict(f"cannot correct: {refused}") from None

    async def _reissue(
        self, old: Invoice, contract: Contract, month: Month, readings: MeterReadings
    ) -> Invoice:
        """The correction in one transaction, the old invoice and its payments locked."""
        async with self._uow() as uow:
            await uow.invoices.lock(old.invoice_id)
            newer = await uow.invoices.corrected_by(old.invoice_id)
            if newer is not None:
                raise Conflict(f"invoice {old.invoice_id} was corrected by {newer}: correct that")
            payments = await uow.payments.of_invoice(old.invoice_id, lock=True)
            _correctable(payments)
            details = await self._issuer.issuer_details(uow, contract)
            quote = self._issuer.quote(contract, month, readings, old.carried_over)
            count = await uow.invoices.corrections_of(contract.contract_id, old.month)
            invoice = build_invoice(
                quote,
                contract,
                details,
                invoice_id=uuid4(),
                issued_at=self._clock.now(),
                carried_from=old.carried_from,
                corrects=old.invoice_id,
                corrects_number=old.invoice_number,
                correction=count + 1,
            )
            if not await uow.invoices.add(invoice):
                raise Conflict(f"invoice {old.invoice_id} was corrected meanwhile")
            await self._retire(uow, payments, invoice)
            record_issued(uow, invoice)
        return invoice

    async def _retire(
        self, uow: InvoicingUnitOfWork, payments: list[Payment], correction: Invoice
    ) -> None:
        for payment in payments:
            if payment.state is PaymentState.OPEN:
                event = PaymentEvent(self._clock.now(), "cancelled", "the invoice was corrected")
                await uow.payments.settle(payment.transaction_id, PaymentState.CANCELLED, event)
                uow.record(payment_changed(payment, "cancelled"))
            elif payment.state in UNPAID_STATES:
                await uow.payments.mark_carried([payment.transaction_id], correction.invoice_id)
                uow.record(payment_changed(payment, "carried_over"))


def _correctable(payments: list[Payment]) -> None:
    for payment in payments:
        if payment.state is PaymentState.PAID:
            raise Conflict("this invoice is paid: a correction would need a refund")
        if payment.carried_into is not None:
            raise Conflict(f"its amount was carried into invoice {payment.carried_into}")
