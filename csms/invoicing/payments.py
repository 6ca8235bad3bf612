"""Collecting invoices by card (seed 001; billing.md §3.6): links, the card on file, expiry.

On every tick of the scheduler, :meth:`PaymentService.send_due`:

1. first finishes what a crash may have left half done: an open payment whose link or charge
   has not reached the provider is sent again under the same transaction id (the provider is
   idempotent by it, so nothing is sent or charged twice);
2. then, for each current invoice with an amount due and no payment yet whose link day has
   come (``schedule.link_day``), stores a new payment (``open``) and commits it before it
   calls the provider: a link (``link``: its URL is mailed to the customer, expiring at the
   end of the 20th) or, when a card is on file and nothing is carried over, a charge of that
   card (``card_on_file``: paid or failed at once; 001: 初回決済のお手続き後は、毎月の電気料金を
   自動的にお支払いいただけます).

:meth:`expire_due` ends the open payments whose expiry has passed (``expired``); their
amounts, and those of failed charges, are carried into the next invoice by
``issuing.InvoiceIssuer`` (合算請求), whose link then goes out on the 10th.

Before a link expires, the provider is asked whether it was charged (its word may have been
lost in a crash): a charge found is captured, not expired. Capture itself, and reading
payments, are ``capture.py``. Each invoice and payment is handled on its own: one that fails
does not hold the others back (the first failure is raised after the rest are done).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TypeVar
from uuid import uuid4

from csms.billing.plans import Month
from csms.billing.price_text import yen_text
from csms.clock import Clock
from csms.errors import Conflict
from csms.invoicing.capture import PaymentCapture
from csms.invoicing.changes import payment_changed
from csms.invoicing.models import (
    Invoice,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentState,
)
from csms.invoicing.ports import InvoicingUnitOfWork, PaymentProvider
from csms.invoicing.schedule import jst_day, link_day, link_expiry
from csms.ports import UnitOfWorkProvider

T = TypeVar("T")


def new_transaction_id() -> str:
    """A transaction id (取引ID) the customer can read out: ``PAY-`` and 16 hex digits."""
    return f"PAY-{uuid4().hex[:16].upper()}"


class PaymentService:
    def __init__(
        self,
        uow: UnitOfWorkProvider[InvoicingUnitOfWork],
        clock: Clock,
        provider: PaymentProvider,
        *,
        link_day: int = 15,
        carried_link_day: int = 10,
    ) -> None:
        self._uow, self._clock, self._provider = uow, clock, provider
        self._link_day, self._carried_link_day = link_day, carried_link_day
        self._capture = PaymentCapture(uow, clock)

    async def send_due(self) -> list[Payment]:
        """Send what is due today (the module's steps); the payments it sent."""
        async with self._uow() as uow:
            unsent = await uow.payments.unsent()
            waiting = await uow.invoices.awaiting_payment()
        today = jst_day(self._clock.now())
        due = [i for i in waiting if i.corrects is not None or today >= self._day_of(i)]
        jobs: list[Callable[[], Awaitable[Payment | None]]]
        jobs = [functools.partial(self._deliver, p) for p in unsent]
        jobs += [functools.partial(self._open_and_deliver, i) for i in due]
        sent = await each(jobs)
        return [payment for payment in sent if payment is not None]

    async def expire_due(self) -> int:
        """Expire the open payments past their expiry (unless the provider charged them)."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.payments.open_until(now)
        expired = await each([functools.partial(self._expire, tx, now) for tx in due])
        return sum(1 for done in expired if done)

    async def _expire(self, transaction_id: str, now: datetime) -> bool:
        charge_id = await self._provider.charged(transaction_id)
        if charge_id is not None:  # charged, its word lost: taken, not expired
            async with self._uow() as uow:
                payment = await uow.payments.get(transaction_id)
            assert payment is not None
            with contextlib.suppress(Conflict):
                await self._capture.capture(transaction_id, charge_id, payment.amount, None)
            return False
        async with self._uow() as uow:
            payment = await uow.payments.get(transaction_id, lock=True)
            if payment is None:
                return False
            event = PaymentEvent(now, "expired", f"not paid by {payment.expires_at}")
            if not await uow.payments.settle(transaction_id, PaymentState.EXPIRED, event):
                return False
            uow.record(payment_changed(payment, "expired"))
        return True

    def _day_of(self, invoice: Invoice) -> date:
        return link_day(
            Month.parse(invoice.month),
            carries_over=invoice.carried_over > 0,
            day=self._link_day,
            carried_day=self._carried_link_day,
        )

    async def _open_and_deliver(self, invoice: Invoice) -> Payment | None:
        payment = await self._open(invoice)
        return await self._deliver(payment) if payment is not None else None

    async def _open(self, invoice: Invoice) -> Payment | None:
        """Store the invoice's payment, open (None: it has one, or was corrected meanwhile)."""
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.invoices.lock(invoice.invoice_id)  # a correction waits, or came first
            if await uow.invoices.corrected_by(invoice.invoice_id) is not None:
                return None
            card = await uow.payments.card_on_file(invoice.contract_id)
            automatic = card is not None and invoice.carried_over == 0
            payment = Payment(
                transaction_id=new_transaction_id(),
                invoice_id=invoice.invoice_id,
                contract_id=invoice.contract_id,
                amount=invoice.amount_due,
                method=PaymentMethod.CARD_ON_FILE if automatic else PaymentMethod.LINK,
                state=PaymentState.OPEN,
                expires_at=link_expiry(jst_day(now)),
                created_at=now,
            )
            event = PaymentEvent(
                now, "open", f"{payment.method.value} for {invoice.invoice_number}"
            )
            if not await uow.payments.add(payment, event):
                return None
        return payment

    async def _deliver(self, payment: Payment) -> Payment:
        """Hand the open payment to the provider: mail its link, or charge the card."""
        if payment.method is PaymentMethod.CARD_ON_FILE:
            return await self._charge(payment)
        async with self._uow() as uow:
            invoice = await uow.invoices.get(payment.invoice_id, None)
        assert invoice is not None
        description = f"請求書 {invoice.invoice_number}"
        url = await self._provider.create_link(
            payment.transaction_id, payment.amount, payment.expires_at, description
        )
        async with self._uow() as uow:
            event = PaymentEvent(self._clock.now(), "link_sent", url)
            if await uow.payments.set_link(payment.transaction_id, url, event):
                if invoice.recipient.email:  # mailed once: by whoever kept the link
                    subject, body = _link_mail(invoice, payment, url)
                    await uow.mail.add("payment_link", invoice.recipient.email, subject, body)
                uow.record(payment_changed(payment, "open"))
        return await self._capture.payment(payment.transaction_id)

    async def _charge(self, payment: Payment) -> Payment:
        """Charge the card on file; a charge no longer wanted is kept for a refund."""
        async with self._uow() as uow:
            card = await uow.payments.card_on_file(payment.contract_id)
        if card is None:
            raise Conflict(f"{payment.transaction_id}: the card on file is gone")
        charge = await self._provider.charge(
            card.card_token, payment.transaction_id, payment.amount
        )
        state = PaymentState.PAID if charge.approved else PaymentState.FAILED
        async with self._uow() as uow:
            event = PaymentEvent(self._clock.now(), state.value, charge.detail or charge.charge_id)
            moved = await uow.payments.settle(
                payment.transaction_id, state, event, charge_id=charge.charge_id
            )
            if moved:
                uow.record(payment_changed(payment, state.value))
        if not moved and charge.approved:
            current = await self._capture.payment(payment.transaction_id)
            if current.provider_charge_id != charge.charge_id:
                await self._capture.refund_due(payment, f"charge {charge.charge_id}: not open")
        return await self._capture.payment(payment.transaction_id)


async def each(jobs: list[Callable[[], Awaitable[T]]]) -> list[T | None]:
    """Run every job; one that fails gives None and does not stop the others; the first
    failure is raised once all are done (the scheduler logs it and tries again)."""
    results: list[T | None] = []
    failure: Exception | None = None
    for job in jobs:
        try:
            results.append(await job())
        except Exception as exc:
            failure = failure or exc
            results.append(None)
    if failure is not None:
        raise failure
    return results


def _link_mail(invoice: Invoice, payment: Payment, url: str) -> tuple[str, str]:
    """The subject and body of the link's mail (001 【決済用URLメール】)."""
    until = jst_day(payment.expires_at) - timedelta(days=1)  # expiry is 00:00 JST of the day after
    body = (
        f"{invoice.recipient.name} 様\n\n"
        f"{invoice.month} 分のご請求が確定しました。下記の決済用URLからお支払いください。\n\n"
        f"ご注文番号（請求書番号）: {invoice.invoice_number}\n"
        f"取引ID: {payment.transaction_id}\n"
        f"金額: {yen_text(payment.amount)}\n"
        f"有効期限: {until.year}年{until.month}月{until.day}日まで\n"
        f"決済用URL: {url}\n"
    )
    return f"決済用URLのご案内（{invoice.month} 分）", body
