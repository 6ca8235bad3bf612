"""Ports of invoicing: issued invoices, payments, and the payment provider (seed 001)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from csms.administration.receipts import OperatorDetailsRepository
from csms.authorization.ports import MailOutbox
from csms.contracts.ports import ContractRepository
from csms.invoicing.models import (
    OPEN_ONLY,
    CardOnFile,
    Charge,
    Invoice,
    Payment,
    PaymentEvent,
    PaymentState,
)
from csms.ports import EventRecorder


class InvoiceRepository(Protocol):
    async def add(self, invoice: Invoice) -> bool:
        """Store a new invoice; False when its month (or the invoice it corrects) already
        has one: another tick or node issued it first."""
        ...

    async def get(self, invoice_id: UUID, scope: str | None) -> Invoice | None: ...
    async def search(
        self, contract_id: str | None, month: str | None, scope: str | None
    ) -> list[Invoice]: ...
    async def issued_months(self) -> set[tuple[str, str]]:
        """``(contract_id, month)`` of every invoice issued by the scheduler."""
        ...

    async def corrected_by(self, invoice_id: UUID) -> UUID | None: ...
    async def lock(self, invoice_id: UUID) -> None:
        """Hold the invoice against a concurrent correction until the unit of work ends."""
        ...

    async def corrections_of(self, contract_id: str, month: str) -> int: ...
    async def awaiting_payment(self) -> list[Invoice]:
        """Current invoices (not corrected) with an amount due and no payment but cancelled
        ones."""
        ...


class PaymentRepository(Protocol):
    async def add(self, payment: Payment, event: PaymentEvent) -> bool:
        """Store a new payment; False when its invoice already has a live one."""
        ...

    async def get(self, transaction_id: str, *, lock: bool = False) -> Payment | None: ...
    async def of_invoice(self, invoice_id: UUID, *, lock: bool = False) -> list[Payment]: ...
    async def settle(
        self,
        transaction_id: str,
        state: PaymentState,
        event: PaymentEvent,
        *,
        charge_id: str | None = None,
        from_states: frozenset[PaymentState] = OPEN_ONLY,
    ) -> bool:
        """Move the payment to ``state`` if it is in one of ``from_states`` (True), else
        change nothing (False: another tick, process or press moved it first)."""
        ...

    async def set_link(self, transaction_id: str, url: str, event: PaymentEvent) -> bool:
        """Keep the provider's link of an open payment that has none; False: it has one
        (another tick or node delivered it first) or it is no longer open."""
        ...

    async def note(self, transaction_id: str, event: PaymentEvent) -> None:
        """Add to the history without a change of state (a decline, a replay)."""
        ...

    async def unsent(self) -> list[Payment]:
        """Open payments whose link or card charge has not reached the provider yet."""
        ...

    async def open_until(self, now: datetime) -> list[str]:
        """The open payments whose expiry has passed."""
        ...

    async def to_carry(self, contract_id: str) -> list[Payment]:
        """Expired and failed payments not carried yet, locked for the invoice that will."""
        ...

    async def mark_carried(self, transaction_ids: list[str], invoice_id: UUID) -> None: ...
    async def card_on_file(self, contract_id: str) -> CardOnFile | None: ...
    async def save_card(self, card: CardOnFile) -> None: ...


class InvoicingUnitOfWork(EventRecorder, Protocol):
    invoices: InvoiceRepository
    payments: PaymentRepository
    contracts: ContractRepository
    operator_details: OperatorDetailsRepository
    mail: MailOutbox


class PaymentProvider(Protocol):
    """A card payment provider (``sandbox.py`` is the local one). Both calls are idempotent
    by transaction id: a retry after a crash neither opens a second link nor charges twice."""

    async def create_link(
        self, transaction_id: str, amount: Decimal, expires_at: datetime, description: str
    ) -> str:
        """The URL of the provider's payment page for this transaction."""
        ...

    async def charge(self, card_token: str, transaction_id: str, amount: Decimal) -> Charge:
        """Charge the card on file for this transaction (one charge per transaction id)."""
        ...

    async def charged(self, transaction_id: str) -> str | None:
        """The approved charge of the transaction, if any (asked before a link expires: a
        charge whose word never reached us is captured, not lost)."""
        ...
