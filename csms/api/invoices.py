"""Contracts' monthly invoices and their payments (seed 003, 001; docs/contracts.md).

* ``GET /api/invoices?contract_id=&month=``: the invoices, newest month first, each with
  ``corrected_by`` (None: it is the current one).
* ``GET /api/invoices/{invoice_id}``: the qualified invoice (適格請求書) as JSON: issuer and
  registration number, recipient, period, lines with tax category, totals, tax per rate,
  carried over, amount due; as a PDF in Japanese with ``?format=pdf`` or
  ``Accept: application/pdf``.
* ``POST /api/invoices/{invoice_id}/correction``: a new invoice that corrects it, quoted from
  the contract and readings as they are now (201); 409 when it is paid, carried into a later
  invoice, already corrected, or cannot be quoted.
* ``GET /api/invoices/{invoice_id}/payments``: its payments, each with its state and history.
* ``GET /api/payments/{transaction_id}``: one payment (取引ID) with its history.
* ``GET /api/invoicing/waiting``: the months the scheduler could not issue yet, and why.

An operator's key reaches only its operator's invoices (another's: 404).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import BadRequest, guarded
from csms.api.pdf_invoice import invoice_pdf
from csms.api.policy import scope_of
from csms.api.receipts import PDF, wants_pdf
from csms.api.responses import reply
from csms.api.route_models import describe
from csms.invoicing.book import InvoiceBook
from csms.invoicing.capture import PaymentCapture
from csms.invoicing.corrections import InvoiceCorrections
from csms.invoicing.documents import document_of
from csms.invoicing.models import Invoice, Payment


class InvoiceBody(BaseModel):
    """A qualified invoice (適格請求書); money as strings of integer yen."""

    invoice: dict[str, Any] = Field(description="the invoice as issued (docs/contracts.md)")
    tax: dict[str, Any] = Field(description='{"10%": {"taxable", "tax"}, "out_of_scope": AMOUNT}')
    corrected_by: UUID | None = Field(description="the invoice that corrects it, if any")


class InvoiceList(BaseModel):
    invoices: list[InvoiceBody]


class PaymentEventBody(BaseModel):
    at: datetime
    state: str
    detail: str


class PaymentBody(BaseModel):
    transaction_id: str = Field(description="取引ID")
    invoice_id: UUID
    contract_id: str
    amount: Decimal
    method: str = Field(description="link or card_on_file")
    state: str = Field(description="open, paid, failed, expired or cancelled")
    expires_at: datetime
    created_at: datetime
    link_url: str | None
    settled_at: datetime | None
    provider_charge_id: str | None
    carried_into: UUID | None = Field(description="the invoice that carried its amount over")
    history: list[PaymentEventBody]


class PaymentList(BaseModel):
    payments: list[PaymentBody]


class WaitingMonth(BaseModel):
    contract_id: str
    month: str
    reason: str
    detail: str


class WaitingList(BaseModel):
    waiting: list[WaitingMonth]


def invoice_body(invoice: Invoice, corrected_by: UUID | None) -> InvoiceBody:
    tax = {
        f"{invoice.tax_rate_percent}%": {"taxable": str(invoice.taxable), "tax": str(invoice.tax)},
        "out_of_scope": str(invoice.out_of_scope),
    }
    return InvoiceBody(invoice=document_of(invoice), tax=tax, corrected_by=corrected_by)


def payment_body(payment: Payment) -> PaymentBody:
    return PaymentBody(
        transaction_id=payment.transaction_id,
        invoice_id=payment.invoice_id,
        contract_id=payment.contract_id,
        amount=payment.amount,
        method=payment.method.value,
        state=payment.state.value,
        expires_at=payment.expires_at,
        created_at=payment.created_at,
        link_url=payment.link_url,
        settled_at=payment.settled_at,
        provider_charge_id=payment.provider_charge_id,
        carried_into=payment.carried_into,
        history=[
            PaymentEventBody(at=e.at, state=e.state, detail=e.detail) for e in payment.history
        ],
    )


def _invoice_id(request: Request) -> UUID:
    try:
        return UUID(request.path_params["invoice_id"])
    except ValueError:
        raise BadRequest("invoice id is not a UUID") from None


class InvoicesResource:
    def __init__(
        self, book: InvoiceBook, corrections: InvoiceCorrections, payments: PaymentCapture
    ) -> None:
        self._book, self._corrections, self._payments = book, corrections, payments

    def routes(self) -> list[Route]:
        one = "/api/invoices/{invoice_id}"
        return [
            Route("/api/invoices", guarded(self.search), methods=["GET"]),
            Route(one, guarded(self.get), methods=["GET"]),
            Route(f"{one}/correction", guarded(self.correct), methods=["POST"]),
            Route(f"{one}/payments", guarded(self.payments), methods=["GET"]),
            Route("/api/payments/{transaction_id}", guarded(self.payment), methods=["GET"]),
            Route("/api/invoicing/waiting", guarded(self.waiting), methods=["GET"]),
        ]

    @describe(answer=InvoiceList)
    async def search(self, request: Request) -> Response:
        """The invoices of a contract and/or month (at most 500, newest month first)."""
        query = request.query_params
        found = await self._book.search(
            query.get("contract_id"), query.get("month"), scope_of(request)
        )
        return reply(InvoiceList(invoices=[invoice_body(i, newer) for i, newer in found]))

    @describe(answer=InvoiceBody, errors=("not_found",))
    async def get(self, request: Request) -> Response:
        """The qualified invoice: JSON, or a PDF in Japanese."""
        invoice, newer = await self._book.get(_invoice_id(request), scope_of(request))
        if not wants_pdf(request):
            return reply(invoice_body(invoice, newer))
        disposition = f'inline; filename="invoice-{invoice.invoice_number}.pdf"'
        return Response(
            invoice_pdf(invoice, corrected=newer is not None),
            media_type=PDF,
            headers={"Content-Disposition": disposition},
        )

    @describe(answer=InvoiceBody, status=201, errors=("not_found", "conflict"))
    async def correct(self, request: Request) -> Response:
        """A correction of the invoice, quoted from today's contract and readings."""
        made = await self._corrections.correct(_invoice_id(request), scope_of(request))
        return reply(invoice_body(made, None), 201)

    @describe(answer=PaymentList, errors=("not_found",))
    async def payments(self, request: Request) -> Response:
        """The invoice's payments with their states and history."""
        found = await self._payments.of_invoice(_invoice_id(request), scope_of(request))
        return reply(PaymentList(payments=[payment_body(p) for p in found]))

    @describe(answer=PaymentBody, errors=("not_found",))
    async def payment(self, request: Request) -> Response:
        """One payment by its transaction id (取引ID)."""
        transaction_id = str(request.path_params["transaction_id"])
        return reply(payment_body(await self._payments.payment(transaction_id, scope_of(request))))

    @describe(answer=WaitingList)
    async def waiting(self, request: Request) -> Response:
        """The months the scheduler could not issue yet (no reading, no registered details,
        no price), as of its last tick; an operator's key sees its own contracts' only."""
        months = self._book.waiting(scope_of(request))
        return reply(WaitingList(waiting=[WaitingMonth(**m) for m in months]))
