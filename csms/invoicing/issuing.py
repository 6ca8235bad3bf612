"""Issuing contracts' monthly invoices (seed 003 第6条; billing.md §3.5, §4), and corrections.

The scheduler calls :meth:`InvoiceIssuer.issue_due` on every tick: each contract's months
that have ended (JST) and have no invoice yet are quoted by the one set of invoice rules
(``billing.invoice.quote_invoice``) and stored with the issuer's registered details. The
database's unique index on (contract, month) decides a race between ticks or nodes: the
second one stores nothing. A month waits (and is tried again on the next tick) while:

* it has no reading: none was recorded and the contract's charger has none around the month;
* the operator has no registered details: a qualified invoice needs its registration number
  (002 第19条 for receipts; the same for invoices here), so none is issued without them;
* the plan is unknown or has no price for the month.

The unpaid amounts of earlier invoices (expired or failed payments, not carried yet) are
carried into the invoice in the same transaction that issues it, so each is carried once
(001 合算請求).

A **correction** (:meth:`InvoiceIssuer.correct`) re-quotes the month from the contract and
readings as they are now, with the same carried-over amount, as a new invoice that names the
one it corrects; an unpaid link of the corrected invoice is cancelled (the correction gets its
own). A paid invoice, or one whose amount was carried into a later one, is not corrected here:
that is a refund or the later invoice's business (409 saying so).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final
from uuid import UUID, uuid4

from csms.billing.invoice import (
    InvoiceInputError,
    InvoiceQuote,
    MeterReadings,
    MonthlyContract,
    NoPriceForMonth,
    quote_invoice,
)
from csms.billing.plans import Month, Plan
from csms.billing.rounding import add_months_clamped
from csms.clock import Clock
from csms.contracts.models import Contract
from csms.contracts.service import ContractService
from csms.errors import Conflict, CsmsError, NotFound
from csms.events import InvoiceIssued
from csms.invoicing.changes import payment_changed
from csms.invoicing.documents import build_invoice
from csms.invoicing.models import Invoice, PaymentEvent, PaymentState
from csms.invoicing.ports import InvoicingUnitOfWork
from csms.invoicing.schedule import jst_day, months_due
from csms.ports import UnitOfWorkProvider
from csms.settlement.receipts import OperatorDetails

HORIZON_MONTHS: Final = 24  # months further back than this are not issued by the scheduler


class NotIssuable(Exception):
    """Why a month cannot be invoiced yet (the scheduler tries again on its next tick)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class InvoiceIssuer:
    def __init__(
        self,
        uow: UnitOfWorkProvider[InvoicingUnitOfWork],
        clock: Clock,
        plans: Mapping[str, Plan],
        contracts: ContractService,
    ) -> None:
        self._uow, self._clock, self._plans = uow, clock, plans
        self._contracts = contracts
        self.waiting: dict[tuple[str, str], tuple[str | None, NotIssuable]] = {}  # operator, why

    async def issue_due(self) -> list[Invoice]:
        """Issue every ended month that has no invoice yet; those that must wait are kept in
        ``waiting`` with their reason."""
        today = jst_day(self._clock.now())
        oldest = Month.of(add_months_clamped(today, -HORIZON_MONTHS))
        async with self._uow() as uow:
            contracts = await uow.contracts.billable()
            issued = await uow.invoices.issued_months()
        made: list[Invoice] = []
        for contract in contracts:
            for month in months_due(contract, today, oldest):
                key = (contract.contract_id, str(month))
                if key in issued:
                    continue
                try:
                    invoice = await self.issue(contract, month)
                except NotIssuable as waiting:
                    self.waiting[key] = (contract.operator_id, waiting)
                    break  # later months carry this one's unpaid amounts: keep the order
                self.waiting.pop(key, None)
                if invoice is not None:
                    made.append(invoice)
        return made

    async def issue(self, contract: Contract, month: Month) -> Invoice | None:
        """Issue the contract's invoice of ``month`` (None: another tick issued it first)."""
        readings = await self._readings(contract, month)
        async with self._uow() as uow:
            issuer = await self._issuer(uow, contract)
            unpaid = await uow.payments.to_carry(contract.contract_id)
            carried = sum((payment.amount for payment in unpaid), Decimal(0))
            quote = self._quote(contract, month, readings, carried)
            invoice = build_invoice(
                quote,
                contract,
                issuer,
                invoice_id=uuid4(),
                issued_at=self._clock.now(),
                carried_from=tuple(payment.transaction_id for payment in unpaid),
            )
            if not await uow.invoices.add(invoice):
                return None
            await uow.payments.mark_carried(list(invoice.carried_from), invoice.invoice_id)
            _issued(uow, invoice)
            for payment in unpaid:
                uow.record(payment_changed(payment, "carried_over"))
        return invoice

    async def correct(self, invoice_id: UUID, scope: str | None) -> Invoice:
        """A correction of the invoice from today's contract and readings (module doc).

        Raises:
            NotFound: no such invoice (or another operator's).
            Conflict: it was corrected already, paid, or carried into a later invoice; or the
                month cannot be quoted now (the reason).
        """
        async with self._uow() as uow:
            old = await uow.invoices.get(invoice_id, scope)
            if old is None:
                raise NotFound(f"no invoice {invoice_id}")
            newer = await uow.invoices.corrected_by(invoice_id)
            payments = await uow.payments.of_invoice(invoice_id)
            contract = await uow.contracts.get(old.contract_id, None)
        if newer is not None:
            raise Conflict(f"invoice {invoice_id} was corrected by {newer}: correct that one")
        for payment in payments:
            if payment.state is PaymentState.PAID:
                raise Conflict("this invoice is paid: a correction would need a refund")
            if payment.carried_into is not None:
                raise Conflict(f"its amount was carried into invoice {payment.carried_into}")
        assert contract is not None
        try:
            return await self._reissue(old, contract)
        except NotIssuable as refused:
            raise Conflict(f"cannot correct: {refused}") from None

    async def _reissue(self, old: Invoice, contract: Contract) -> Invoice:
        """The correction of ``old``: re-quoted now, its open payment cancelled."""
        month = Month.parse(old.month)
        readings = await self._readings(contract, month)
        async with self._uow() as uow:
            issuer = await self._issuer(uow, contract)
            quote = self._quote(contract, month, readings, old.carried_over)
            count = await uow.invoices.corrections_of(contract.contract_id, old.month)
            invoice = build_invoice(
                quote,
                contract,
                issuer,
                invoice_id=uuid4(),
                issued_at=self._clock.now(),
                carried_from=old.carried_from,
                corrects=old.invoice_id,
                correction=count + 1,
            )
            if not await uow.invoices.add(invoice):
                raise Conflict(f"invoice {old.invoice_id} was corrected meanwhile")
            await _cancel_open(uow, old, self._clock)
            _issued(uow, invoice)
        return invoice

    async def _readings(self, contract: Contract, month: Month) -> MeterReadings:
        async with self._uow() as uow:
            stored = await uow.contracts.readings(contract.contract_id)
        for reading in stored:
            if reading.month == str(month):
                return MeterReadings(reading.opening_kwh, reading.closing_kwh)
        if contract.station_id is not None:
            try:
                read = await self._contracts.reading_from_charger(
                    contract.contract_id, str(month), None
                )
            except CsmsError as exc:
                raise NotIssuable("no_reading", f"no reading for {month}: {exc}") from None
            return MeterReadings(read.opening_kwh, read.closing_kwh)
        raise NotIssuable("no_reading", f"no reading for {month}")

    async def _issuer(self, uow: InvoicingUnitOfWork, contract: Contract) -> OperatorDetails:
        if contract.operator_id is None:
            raise NotIssuable("no_operator", "the contract names no operator to issue it")
        details = await uow.operator_details.get(contract.operator_id)
        if details is None:
            raise NotIssuable(
                "no_registered_details",
                f"operator {contract.operator_id} has no registered details (registration "
                "number): no qualified invoice can be issued",
            )
        return details

    def _quote(
        self, contract: Contract, month: Month, readings: MeterReadings, carried: Decimal
    ) -> InvoiceQuote:
        plan = self._plans.get(contract.plan_id)
        if plan is None:
            raise NotIssuable("unknown_plan", f"no plan {contract.plan_id!r} is loaded")
        terms = MonthlyContract(
            contract.contract_id,
            contract.plan_id,
            contract.start_date,
            contract.terminated_on,
            contract.handed_back_on,
        )
        try:
            return quote_invoice(plan, terms, month, readings, carried)
        except (NoPriceForMonth, InvoiceInputError) as exc:
            raise NotIssuable("cannot_quote", str(exc)) from None


def _issued(uow: InvoicingUnitOfWork, invoice: Invoice) -> None:
    uow.record(
        InvoiceIssued(
            None,
            invoice_id=str(invoice.invoice_id),
            contract_id=invoice.contract_id,
            month=invoice.month,
            amount_due=str(invoice.amount_due),
            correction=invoice.corrects is not None,
        )
    )


async def _cancel_open(uow: InvoicingUnitOfWork, old: Invoice, clock: Clock) -> None:
    """Cancel the corrected invoice's open payment (its link no longer pays anything)."""
    for payment in await uow.payments.of_invoice(old.invoice_id):
        if payment.state is PaymentState.OPEN:
            event = PaymentEvent(clock.now(), "cancelled", "the invoice was corrected")
            await uow.payments.settle(payment.transaction_id, PaymentState.CANCELLED, event)
            uow.record(payment_changed(payment, "cancelled"))
