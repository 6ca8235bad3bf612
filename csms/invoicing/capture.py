"""The provider's word that a payment was charged (seed 001), and reading payments.

:meth:`PaymentCapture.capture` is idempotent: a second press of "pay" or a replayed callback
finds the payment paid and changes nothing (noted ``replayed``). A link that expired a moment
before the provider's word is still taken while its amount has not been carried into a later
invoice (the customer paid it; it is not asked for again). A charge that cannot be taken
(cancelled by a correction, carried over, another amount) is kept in the history as
``refund_due`` and counted, so that the operator refunds it: it is never dropped silently.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from csms.clock import Clock
from csms.errors import Conflict, NotFound
from csms.invoicing.changes import payment_changed
from csms.invoicing.models import CardOnFile, Payment, PaymentEvent, PaymentState
from csms.invoicing.ports import InvoicingUnitOfWork
from csms.ports import UnitOfWorkProvider

TAKEN_FROM = frozenset({PaymentState.OPEN, PaymentState.EXPIRED})


class PaymentCapture:
    def __init__(self, uow: UnitOfWorkProvider[InvoicingUnitOfWork], clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def capture(
        self, transaction_id: str, charge_id: str, amount: Decimal, card: tuple[str, str] | None
    ) -> Payment:
        """The provider charged ``amount`` for the transaction (the module's rules); ``card``
        is the provider's token and label of the card, kept on file for later months.

        Raises:
            NotFound: no such transaction.
            Conflict: the charge cannot be taken (refund it; noted ``refund_due``).
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
            problem = refusal(payment, amount)
            if problem is None:
                event = PaymentEvent(now, "paid", f"charge {charge_id}")
                await uow.payments.settle(
                    transaction_id,
                    PaymentState.PAID,
                    event,
                    charge_id=charge_id,
                    from_states=TAKEN_FROM,
                )
                if card is not None:
                    token, label = card
                    await uow.payments.save_card(CardOnFile(payment.contract_id, token, label, now))
                uow.record(payment_changed(payment, "paid"))
        if problem is not None:
            await self.refund_due(payment, f"{problem} (charge {charge_id})")
            raise Conflict(problem)
        return await self.payment(transaction_id)

    async def refund_due(self, payment: Payment, detail: str) -> None:
        """A charge the provider made that no payment takes: kept and counted for a refund."""
        async with self._uow() as uow:
            event = PaymentEvent(self._clock.now(), "refund_due", detail)
            await uow.payments.note(payment.transaction_id, event)
            uow.record(payment_changed(payment, "refund_due"))

    async def declined(self, transaction_id: str, detail: str) -> None:
        """The provider declined a card on the link's page: noted, the link stays open."""
        async with self._uow() as uow:
            await uow.payments.note(
                transaction_id, PaymentEvent(self._clock.now(), "declined", detail)
            )

    async def payment(self, transaction_id: str, scope: str | None = None) -> Payment:
        """One payment with its history; NotFound when out of scope."""
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


def refusal(payment: Payment, amount: Decimal) -> str | None:
    """Why a charge cannot be taken by the payment (None: it is taken)."""
    late = payment.state is PaymentState.EXPIRED and payment.carried_into is None
    if payment.state is not PaymentState.OPEN and not late:
        carried = " and carried over" if payment.carried_into else ""
        return f"transaction {payment.transaction_id} is {payment.state.value}{carried}"
    if not amount.is_finite() or amount != payment.amount:
        return f"charged {amount}, but the payment is {payment.amount}"
    return None
