"""A contract's month as a qualified invoice (適格請求書, 消費税法第57条の4第1項).

What it must carry, and where each comes from:

1. the issuer's name and registration number: the operator's registered details (002 第19条,
   ``operator_details``), copied onto the invoice when it is issued;
2. the dates of the supply: the JST month (period start and end);
3. what was supplied, with each line's tax category (10 % or 不課税; carried-over amounts
   were taxed on their own invoices);
4. the totals per rate (tax included) and 5. the consumption tax per rate, once per invoice
   per rate (``billing.invoice``);
6. the recipient: the contract's customer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from csms.billing.invoice import InvoiceLine, InvoiceQuote
from csms.contracts.models import Contract
from csms.invoicing.models import Invoice, Issuer, Recipient
from csms.invoicing.schedule import first_day, month_end
from csms.settlement.receipts import OperatorDetails

MONEY_FIELDS: Final = (
    "total",
    "tax_rate_percent",
    "taxable",
    "tax",
    "out_of_scope",
    "carried_over",
    "amount_due",
)


def issuer_of(details: OperatorDetails) -> Issuer:
    return Issuer(
        operator_id=details.operator_id,
        legal_name=details.legal_name,
        registration_number=str(details.registration_number),
        address=details.address,
        phone=details.phone,
    )


def recipient_of(contract: Contract) -> Recipient:
    return Recipient(
        customer_id=contract.customer_id,
        name=contract.customer_name,
        place_id=contract.place_id,
        email=contract.email,
        parking_space=contract.parking_space,
    )


def invoice_number(contract_id: str, month: str, correction: int = 0) -> str:
    """``{contract}-{month}``, and ``-C{n}`` for its n-th correction: unique and readable."""
    number = f"{contract_id}-{month}"
    return f"{number}-C{correction}" if correction else number


def build_invoice(
    quote: InvoiceQuote,
    contract: Contract,
    issuer: OperatorDetails,
    *,
    invoice_id: UUID,
    issued_at: datetime,
    carried_from: tuple[str, ...] = (),
    corrects: UUID | None = None,
    corrects_number: str | None = None,
    correction: int = 0,
) -> Invoice:
    """The invoice of ``quote`` for ``contract``, issued by ``issuer`` at ``issued_at``."""
    return Invoice(
        invoice_id=invoice_id,
        invoice_number=invoice_number(contract.contract_id, str(quote.month), correction),
        contract_id=contract.contract_id,
        operator_id=contract.operator_id,
        month=str(quote.month),
        period_start=first_day(quote.month),
        period_end=month_end(quote.month),
        issued_at=issued_at,
        issuer=issuer_of(issuer),
        recipient=recipient_of(contract),
        meter=contract.meter,
        lines=tuple(_carried_text(line, carried_from) for line in quote.lines),
        total=quote.total,
        tax_rate_percent=quote.tax_rate_percent,
        taxable=quote.taxable,
        tax=quote.tax,
        out_of_scope=quote.out_of_scope,
        carried_over=quote.carried_over,
        amount_due=quote.amount_due,
        carried_from=carried_from,
        corrects=corrects,
        corrects_number=corrects_number,
    )


def _carried_text(line: InvoiceLine, carried_from: tuple[str, ...]) -> InvoiceLine:
    """A carried-over line names the payments (取引ID) whose amounts it carries."""
    if line.kind != "carried_over":
        return line
    ids = "、".join(carried_from) or "—"
    text = f"前回までの未払い額（合算請求; 取引ID {ids}; 各請求書で課税済み）"
    return replace(line, description=text)


def document_of(invoice: Invoice) -> dict[str, Any]:
    """The invoice as its stored JSON document (decimals and dates as text)."""
    meter = invoice.meter
    return {
        "invoice_id": str(invoice.invoice_id),
        "invoice_number": invoice.invoice_number,
        "contract_id": invoice.contract_id,
        "operator_id": invoice.operator_id,
        "month": invoice.month,
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "issued_at": invoice.issued_at.isoformat(),
        "issuer": _fields(invoice.issuer),
        "recipient": _fields(invoice.recipient),
        "meter": _fields(meter) if meter is not None else None,
        "lines": [
            {name: str(getattr(line, name)) for name in InvoiceLine.__dataclass_fields__}
            for line in invoice.lines
        ],
        **{name: str(getattr(invoice, name)) for name in MONEY_FIELDS},
        "carried_from": list(invoice.carried_from),
        "corrects": str(invoice.corrects) if invoice.corrects is not None else None,
        "corrects_number": invoice.corrects_number,
    }


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
