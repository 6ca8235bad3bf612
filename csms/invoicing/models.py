"""Issued invoices (適格請求書) and their payments (seed 003, 001; billing.md §3.5, §3.6, §4).

An ``Invoice`` is a contract's month as issued: the quote's lines (``billing.invoice``)
with the issuer's registered details, the recipient, the period and the meter, frozen at
issue. It never changes; a correction is a new invoice whose ``corrects`` names it.

A ``Payment`` is one attempt to collect an invoice's amount due, under its own transaction
id (取引ID): a link mailed to the customer (``link``) or a charge of the card kept after the
first payment (``card_on_file``). Its state moves only forward::

    open -> paid | expired | cancelled        (a link)
    paid | failed                             (a charge of the card on file, at once)

An expired or failed payment's amount is carried into the next month's invoice once
(``carried_into``; 001 合算請求).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

from csms.billing.invoice import InvoiceLine
from csms.contracts.models import ContractMeter
from csms.records import frozen


class PaymentState(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # its invoice was corrected before it was paid


class PaymentMethod(enum.StrEnum):
    LINK = "link"
    CARD_ON_FILE = "card_on_file"


UNPAID_STATES: Final = frozenset({PaymentState.FAILED, PaymentState.EXPIRED})
OPEN_ONLY: Final = frozenset({PaymentState.OPEN})


@frozen
class Issuer:
    """The operator's registered details as printed (002 第19条; 適格請求書の記載事項)."""

    operator_id: str
    legal_name: str
    registration_number: str
    address: str | None = None
    phone: str | None = None


@frozen
class Recipient:
    """To whom (書類の交付を受ける事業者の氏名又は名称): the contract's customer and place."""

    customer_id: str
    name: str
    place_id: str
    email: str | None = None
    parking_space: str | None = None


@frozen
class Invoice:
    invoice_id: UUID
    invoice_number: str
    contract_id: str
    operator_id: str | None
    month: str  # YYYY-MM, JST
    period_start: date
    period_end: date
    issued_at: datetime
    issuer: Issuer
    recipient: Recipient
    meter: ContractMeter | None
    lines: tuple[InvoiceLine, ...]
    total: Decimal  # this month's lines, tax included
    tax_rate_percent: Decimal
    taxable: Decimal  # the lines at the rate, tax included
    tax: Decimal  # the consumption tax they include, once per invoice per rate
    out_of_scope: Decimal  # 不課税 (the early termination fee)
    carried_over: Decimal  # unpaid earlier amounts, taxed on their own invoices
    amount_due: Decimal
    carried_from: tuple[str, ...] = ()  # the transaction ids whose amounts it carries
    corrects: UUID | None = None
    corrects_number: str | None = None  # the corrected invoice's number, as printed


@frozen
class PaymentEvent:
    at: datetime
    state: str  # a PaymentState, or what happened without changing it (declined, replayed)
    detail: str = ""


@frozen
class Payment:
    transaction_id: str  # 取引ID
    invoice_id: UUID
    contract_id: str
    amount: Decimal
    method: PaymentMethod
    state: PaymentState
    expires_at: datetime
    created_at: datetime
    link_url: str | None = None
    settled_at: datetime | None = None
    provider_charge_id: str | None = None
    carried_into: UUID | None = None
    history: tuple[PaymentEvent, ...] = ()


@frozen
class CardOnFile:
    """The provider's token for the card the customer paid with (never a card number)."""

    contract_id: str
    card_token: str
    card_label: str
    saved_at: datetime


@frozen
class Charge:
    """What the provider answered to a charge: approved or declined, and its charge id."""

    approved: bool
    charge_id: str
    detail: str = ""
