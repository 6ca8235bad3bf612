"""The invoicing scheduler's tick (seed 003, 001): expire, issue, then send.

Expired links first, so that a month's invoice issued in the same tick carries them; then
every ended month's invoice; then the links and card charges whose day has come. Each step
reads its work from the database, so a tick that fails or a restart loses nothing: the next
tick does what is left.
"""

from __future__ import annotations

from csms.invoicing.issuing import InvoiceIssuer
from csms.invoicing.payments import PaymentService


class InvoicingClock:
    def __init__(self, issuer: InvoiceIssuer, payments: PaymentService) -> None:
        self.issuer, self.payments = issuer, payments

    async def tick(self) -> None:
        await self.payments.expire_due()
        await self.issuer.issue_due()
        await self.payments.send_due()
