"""The domain event of a payment's change (counted and logged by ``workers/event_log.py``)."""

from __future__ import annotations

from csms.events import PaymentChanged
from csms.invoicing.models import Payment


def payment_changed(payment: Payment, state: str) -> PaymentChanged:
    """``state``: a ``PaymentState`` value, or ``carried_over``."""
    return PaymentChanged(
        None,
        transaction_id=payment.transaction_id,
        invoice_id=str(payment.invoice_id),
        contract_id=payment.contract_id,
        method=payment.method.value,
        state=state,
        amount=str(payment.amount),
    )
