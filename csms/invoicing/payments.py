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

:meth:`capture` is the provider's word that a link was paid. It is idempotent: a second
press of "pay" or a replayed callback finds the payment paid and changes nothing (the
replay is noted in its history). The first successful payment keeps the card on file.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from csms.billing.plans import Month
from csms.billing.price_text import yen_text
from csms.clock import Clock
from csms.errors import Conflict, NotFound
from csms.invoicing.changes import payment_changed
from csms.invoicing.models import (
    CardOnFile,
    Invoice,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentState,
)
from csms.invoicing.ports import InvoicingUnitOfWork, PaymentProvider
from csms.invoicing.schedule import jst_day, link_day, link_expiry
from csms.ports import UnitOfWorkProvider


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

    async def send_due(self) -> list[Payment]:
        """Send what is due today (the module's steps); the payments it sent."""
        async with self._uow() as uow:
            unsent = await uow.payments.unsent()
            waiting = await uow.invoices.awaiting_payment()
        sent = [await self._deliver(payment) for payment in unsent]
        today = jst_day(self._clock.now())
        for invoice in waiting:
            if invoice.corrects is None and today < self._day_of(invoice):
                continue
            payment = await self._open(invoice)
            if payment is not None:
                sent.append(await self._deliver(payment))
        return sent

    async def expire_due(self) -> int:
        """Expire the open payments past their expiry; how many."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.payments.open_until(now)
        for transaction_id in due:
            async with self._uow() as uow:
                payment = await uow.payments.get(transaction_id, lock=True)
                if payment is None or payment.state is not PaymentState.OPEN:
                    continue
                event = PaymentEvent(now, "expired", f"not paid by {payment.expires_at}")
                await uow.payments.settle(transaction_id, PaymentState.EXPIRED, event)
                uow.record(payment_changed(payment, "expired"))
        return len(due)

    async def capture(
        self, transaction_id: str, charge_id: str, amount: Decimal, card: tuple[str, str] | None
    ) -> Payment:
        """The provider charged ``amount`` for the transaction (idempotent: module doc);
        ``card`` is the provider's token and label of the card it was paid with, kept on file.

        Raises:
            NotFound: no such transaction.
            Conflict: the amount is not the payment's, or it is no longer open (expired,
                cancelled): the provider must not have charged it (noted in the history).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            payment = await uow.payments.get(transaction_id, lock=True)
            if payment is None:
                raise NotFound(f"no transaction {transaction_id}")
            if payment.state is PaymentState.PAID:
                same = charge_id == payment.provider_charge_id
                detail = "replayed" if same else f"another charge {charge_id}: refund it"
                await uow.payments.note(transaction_id, PaymentEvent(now, "replayed", detail))
                return payment
            problem = _refusal(payment, amount)
            if problem is None:
                event = PaymentEvent(now, "paid", f"charge {charge_id}")
                await uow.payments.settle(
                    transaction_id, PaymentState.PAID, event, charge_id=charge_id
                )
                if card is not None:
                    token, label = card
                    kept = CardOnFile(payment.contract_id, token, label, now)
                    await uow.payments.save_card(kept)
                uow.record(payment_changed(payment, "paid"))
        if problem is not None:
            async with self._uow() as uow:  # the refusal is kept even though it is refused
                await uow.payments.note(transaction_id, PaymentEvent(now, "refused", problem))
            raise Conflict(problem)
        return await self.payment(transaction_id)

    async def declined(self, transaction_id: str, detail: str) -> None:
        """The provider declined a card on the link's page: noted, the link stays open."""
        async with self._uow() as uow:
            await uow.payments.note(
                transaction_id, PaymentEvent(self._clock.now(), "declined", detail)
            )

    async def payment(self, transaction_id: str, scope: str | None = None) -> Payment:
        async with self._uow() as uow:
            payment = await uow.payments.get(transaction_id)
            invoice = payment and await uow.invoices.get(payment.invoice_id, scope)
        if payment is None or invoice is None:
            raise NotFound(f"no transaction {transaction_id}")
        return payment

    async def of_invoice(self, invoice_id: UUID, scope: str | None) -> list[Payment]:
        async with self._uow() as uow:
            if await uow.invoices.get(invoice_id, scope) is None:
                raise NotFound(f"no invoice {invoice_id}")
            return await uow.payments.of_invoice(invoice_id)

    def _day_of(self, invoice: Invoice) -> date:
        return link_day(
            Month.parse(invoice.month),
            carries_over=invoice.carried_over > 0,
            day=self._link_day,
            carried_day=self._carried_link_day,
        )

    async def _open(self, invoice: Invoice) -> Payment | None:
        """Store the invoice's new payment, open (None: another tick stored one first)."""
        now = self._clock.now()
        async with self._uow() as uow:
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
            await uow.payments.settle(
                payment.transaction_id, PaymentState.OPEN, event, link_url=url
            )
            if invoice.recipient.email:
                subject, body = _link_mail(invoice, payment, url)
                await uow.mail.add("payment_link", invoice.recipient.email, subject, body)
            uow.record(payment_changed(payment, "open"))
        return await self.payment(payment.transaction_id)

    async def _charge(self, payment: Payment) -> Payment:
        async with self._uow() as uow:
            card = await uow.payments.card_on_file(payment.contract_id)
        if card is None:
            raise Conflict("the card on file is gone")
        charge = await self._provider.charge(
            card.card_token, payment.transaction_id, payment.amount
        )
        state = PaymentState.PAID if charge.approved else PaymentState.FAILED
        async with self._uow() as uow:
            current = await uow.payments.get(payment.transaction_id, lock=True)
            if current is None or current.state is not PaymentState.OPEN:
                return payment
            event = PaymentEvent(self._clock.now(), state.value, charge.detail or charge.charge_id)
            await uow.payments.settle(
                payment.transaction_id, state, event, charge_id=charge.charge_id
            )
            uow.record(payment_changed(payment, state.value))
        return await self.payment(payment.transaction_id)


def _refusal(payment: Payment, amount: Decimal) -> str | None:
    if payment.state is not PaymentState.OPEN:
        return f"transaction {payment.transaction_id} is {payment.state.value}, not open"
    if amount != payment.amount:
        return f"charged {amount}, but the payment is {payment.amount}"
    return None


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
