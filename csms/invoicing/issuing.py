"""Issuing contracts' monthly invoices (seed 003 第6条; billing.md §3.5, §4).

The scheduler calls :meth:`InvoiceIssuer.issue_due` on every tick: each contract's months
that have ended (JST) and have no invoice yet are quoted by the one set of invoice rules
(``billing.invoice.quote_invoice``) and stored with the issuer's registered details. The
database's unique index on (contract, month) decides a race between ticks or processes: the
second one stores nothing. A month waits (and is tried again on the next tick) while:

* it has no reading: none was recorded, and the contract's charger is read only
  ``CHARGER_GRACE`` after the month's end (a charger uploads its buffered meter values late);
* the operator has no registered details: a qualified invoice needs its registration number;
* the plan is unknown or has no price for the month.

Later months of the contract wait behind it (they carry its unpaid amounts). The unpaid
amounts of earlier invoices (expired or failed payments, not carried yet) are carried into
the invoice in the same transaction that issues it, so each is carried once (001 合算請求).
After a contract's last billed month, an unpaid amount is not lost either: the next month
gets an invoice that carries it alone (and its link, on the 10th). Corrections are
``corrections.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Final
from uuid import uuid4

from csms.billing.invoice import (
    ALREADY_TAXED,
    InvoiceInputError,
    InvoiceLine,
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
from csms.errors import CsmsError
from csms.events import InvoiceIssued
from csms.invoicing.changes import payment_changed
from csms.invoicing.documents import build_invoice
from csms.invoicing.models import Invoice
from csms.invoicing.ports import InvoicingUnitOfWork
from csms.invoicing.schedule import (
    first_day,
    jst_day,
    last_billed_month,
    months_due,
    next_month,
    start_of,
)
from csms.ports import UnitOfWorkProvider
from csms.settlement.receipts import OperatorDetails

HORIZON_MONTHS: Final = 24  # months further back than this are not issued by the scheduler
CHARGER_GRACE: Final = timedelta(hours=6)  # a charger's buffered meter values arrive late


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
        """Issue every month that is due (the module's rules); what must wait is kept in
        ``waiting`` with its reason. A contract that fails does not hold the others back: the
        first failure is raised once all are done."""
        today = jst_day(self._clock.now())
        oldest = Month.of(add_months_clamped(today, -HORIZON_MONTHS))
        async with self._uow() as uow:
            contracts = await uow.contracts.billable()
            issued = await uow.invoices.issued_months()
        waiting: dict[tuple[str, str], tuple[str | None, NotIssuable]] = {}
        made: list[Invoice] = []
        failure: Exception | None = None
        for contract in contracts:
            try:
                made += await self._issue_contract(contract, today, oldest, issued, waiting)
            except Exception as exc:
                failure = failure or exc
        self.waiting = waiting
        if failure is not None:
            raise failure
        return made

    async def _issue_contract(
        self,
        contract: Contract,
        today: date,
        oldest: Month,
        issued: set[tuple[str, str]],
        waiting: dict[tuple[str, str], tuple[str | None, NotIssuable]],
    ) -> list[Invoice]:
        made: list[Invoice] = []
        for month in [*months_due(contract, today, oldest), *_carry_month(contract, today, issued)]:
            key = (contract.contract_id, str(month))
            if key in issued:
                continue
            try:
                invoice = await self.issue(contract, month)
            except NotIssuable as why:
                waiting[key] = (contract.operator_id, why)
                break  # later months carry this one's unpaid amounts: keep the order
            if invoice is not None:
                made.append(invoice)
                issued.add(key)
        return made

    async def issue(self, contract: Contract, month: Month) -> Invoice | None:
        """Issue the contract's invoice of ``month``; None: another tick issued it first, or
        (after the last billed month) there is nothing left to carry."""
        last = last_billed_month(contract)
        after_end = last is not None and month > last
        readings = None if after_end else await self.readings_for(contract, month)
        async with self._uow() as uow:
            details = await self.issuer_details(uow, contract)
            unpaid = await uow.payments.to_carry(contract.contract_id)
            carried = sum((payment.amount for payment in unpaid), Decimal(0))
            if readings is None:
                if not unpaid:
                    return None
                quote = carry_only(self.plan_of(contract), contract.contract_id, month, carried)
            else:
                quote = self.quote(contract, month, readings, carried)
            invoice = build_invoice(
                quote,
                contract,
                details,
                invoice_id=uuid4(),
                issued_at=self._clock.now(),
                carried_from=tuple(payment.transaction_id for payment in unpaid),
            )
            if not await uow.invoices.add(invoice):
                return None
            await uow.payments.mark_carried(list(invoice.carried_from), invoice.invoice_id)
            record_issued(uow, invoice)
            for payment in unpaid:
                uow.record(payment_changed(payment, "carried_over"))
        return invoice

    async def readings_for(self, contract: Contract, month: Month) -> MeterReadings:
        """The month's stored reading, else the charger's (after ``CHARGER_GRACE``)."""
        async with self._uow() as uow:
            stored = await uow.contracts.readings(contract.contract_id)
        for reading in stored:
            if reading.month == str(month):
                return MeterReadings(reading.opening_kwh, reading.closing_kwh)
        if contract.station_id is None:
            raise NotIssuable("no_reading", f"no reading for {month}")
        readable = start_of(first_day(next_month(month))) + CHARGER_GRACE
        if self._clock.now() < readable:
            raise NotIssuable(
                "no_reading", f"the charger is read for {month} from {readable.isoformat()}"
            )
        try:
            read = await self._contracts.reading_from_charger(
                contract.contract_id, str(month), None
            )
        except CsmsError as exc:
            raise NotIssuable("no_reading", f"no reading for {month}: {exc}") from None
        return MeterReadings(read.opening_kwh, read.closing_kwh)

    async def issuer_details(self, uow: InvoicingUnitOfWork, contract: Contract) -> OperatorDetails:
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

    def plan_of(self, contract: Contract) -> Plan:
        plan = self._plans.get(contract.plan_id)
        if plan is None:
            raise NotIssuable("unknown_plan", f"no plan {contract.plan_id!r} is loaded")
        return plan

    def quote(
        self, contract: Contract, month: Month, readings: MeterReadings, carried: Decimal
    ) -> InvoiceQuote:
        terms = MonthlyContract(
            contract.contract_id,
            contract.plan_id,
            contract.start_date,
            contract.terminated_on,
            contract.handed_back_on,
        )
        try:
            return quote_invoice(self.plan_of(contract), terms, month, readings, carried)
        except (NoPriceForMonth, InvoiceInputError) as exc:
            raise NotIssuable("cannot_quote", str(exc)) from None


def _carry_month(contract: Contract, today: date, issued: set[tuple[str, str]]) -> list[Month]:
    """After the last billed month: the month after the contract's latest invoice, once it
    has ended (it is issued only when an unpaid amount is left to carry)."""
    last = last_billed_month(contract)
    months = [Month.parse(m) for c, m in issued if c == contract.contract_id]
    if last is None or not months or max(months) < last:
        return []
    following = next_month(max(months))
    return [following] if following < Month.of(today) else []


def carry_only(plan: Plan, contract_id: str, month: Month, carried: Decimal) -> InvoiceQuote:
    """An invoice with nothing but the carried-over amount (after the contract's end)."""
    line = InvoiceLine("carried_over", "", Decimal(1), "invoice", carried, carried, ALREADY_TAXED)
    zero = Decimal(0)
    return InvoiceQuote(
        contract_id=contract_id,
        month=month,
        currency=plan.currency,
        lines=(line,),
        total=zero,
        tax_rate_percent=plan.tax_rate_percent,
        taxable=zero,
        tax=zero,
        out_of_scope=zero,
        carried_over=carried,
        amount_due=carried,
    )


def record_issued(uow: InvoicingUnitOfWork, invoice: Invoice) -> None:
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
