"""Invoicing wired for the running server (seed 003, 001): the plans read from their folder,
the sandbox payment provider, the scheduler's services, the API resource and the payment
pages of the public listener."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from csms.api.invoices import InvoicesResource
from csms.api.payment_pages import PaymentPages
from csms.clock import Clock
from csms.contracts.service import ContractService
from csms.invoicing.book import InvoiceBook
from csms.invoicing.capture import PaymentCapture
from csms.invoicing.clock import InvoicingClock
from csms.invoicing.corrections import InvoiceCorrections
from csms.invoicing.issuing import InvoiceIssuer
from csms.invoicing.payments import PaymentService
from csms.settings import Settings
from csms.storage.plan_files import DEFAULT_DIR, load_plans
from csms.storage.sandbox_payments import SandboxPaymentProvider


@dataclass(frozen=True)
class Invoicing:
    clock: InvoicingClock
    provider: SandboxPaymentProvider
    resource: InvoicesResource
    pages: PaymentPages

    def serve_pages_at(self, public_url: str) -> None:
        """The pages' base URL once the public listener's port is known (unless set)."""
        if not self.provider.page_url:
            self.provider.page_url = public_url


def build_invoicing(
    settings: Settings, pool: asyncpg.Pool, uow: Any, clock: Clock, contracts: ContractService
) -> Invoicing:
    """A bad plan file stops start-up here, with the file and field named."""
    plans = load_plans(settings.plans_dir or DEFAULT_DIR)
    provider = SandboxPaymentProvider(pool, settings.public_url)
    issuer = InvoiceIssuer(uow, clock, plans, contracts)
    payments = PaymentService(
        uow,
        clock,
        provider,
        link_day=settings.payment_link_day,
        carried_link_day=settings.payment_carried_link_day,
    )
    secret = settings.payment_sandbox_secret.get_secret_value()
    capture = PaymentCapture(uow, clock)
    return Invoicing(
        clock=InvoicingClock(issuer, payments),
        provider=provider,
        resource=InvoicesResource(
            InvoiceBook(uow, issuer), InvoiceCorrections(uow, clock, issuer), capture
        ),
        pages=PaymentPages(provider, capture, clock, secret),
    )
