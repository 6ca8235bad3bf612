"""The monthly invoice of a contract: seed 003 (Charge Club) 第6条, 第16条, 第19条 and
billing.md §3.5 and §4. All amounts are tax included and truncated to the yen (第6条1:
端数は切り捨て); dates are JST calendar dates; every rounding is in ``rounding.py``.

* **equipment fee** (第6条1): the month's fee for every month from the start month to the
  termination month inclusive; a partial month counts whole; none after.
* **energy**: kWh = closing - opening reading, as read; amount = floor(kWh x price).
* **surcharges** (各種賦課金等相当額): each one whose period contains the month:
  floor(kWh x rate); none when no period contains it.
* **early termination fee** (第16条2), on the termination month's invoice when terminated
  before the first term ends (start + 1 year - 1 day): the termination month's fee x the
  whole months left (:func:`rounding.whole_months_left`); out of the scope of consumption
  tax (不課税: compensation, not a price for a supply).
* **damages after the end** (第19条5), on the invoice of the hand-back month when it is
  after the termination date: floor(fee x days / 30), days = hand-back - termination;
  taxable (consideration for the continued use of the space).
* **tax**, once per invoice per rate: floor(sum of the 10 % lines x 10 / 110).
* **carried over** (001 合算請求): an unpaid earlier amount, its own line, not taxed again;
  ``total`` is this month's lines, ``amount_due`` = total + carried over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from csms.billing.money import exact
from csms.billing.plans import Month, Plan, PlanPrice
from csms.billing.rounding import (
    add_months_clamped,
    included_tax,
    whole_months_left,
    yen_pro_rata_30_days,
    yen_truncated,
)

OUT_OF_SCOPE: Final = "out_of_scope"
ALREADY_TAXED: Final = "already_taxed"
ZERO: Final = Decimal(0)


class InvoiceInputError(ValueError):
    """The contract, month, readings or carried-over amount cannot be invoiced as given."""


class NoPriceForMonth(ValueError):
    """The plan has no fee and energy price for a month the invoice needs."""


@dataclass(frozen=True, slots=True)
class MonthlyContract:
    """What the invoice needs of a contract (003 本契約書: 利用開始日; 第16条; 第19条)."""

    contract_id: str
    plan_id: str
    start_date: date
    terminated_on: date | None = None
    handed_back_on: date | None = None

    def __post_init__(self) -> None:
        if self.terminated_on is not None and self.terminated_on < self.start_date:
            raise InvoiceInputError(
                f"terminated_on {self.terminated_on} is before start_date {self.start_date}"
            )
        if self.handed_back_on is not None and self.terminated_on is None:
            raise InvoiceInputError("handed_back_on needs terminated_on (明渡し follows the end)")
        if self.handed_back_on is not None and self.handed_back_on < self.start_date:
            raise InvoiceInputError(
                f"handed_back_on {self.handed_back_on} is before start_date {self.start_date}"
            )


@dataclass(frozen=True, slots=True)
class MeterReadings:
    """The month's opening and closing readings of the space's meter, kWh, exact."""

    opening_kwh: Decimal
    closing_kwh: Decimal

    def __post_init__(self) -> None:
        for name in ("opening_kwh", "closing_kwh"):
            value = exact(getattr(self, name), name)
            if value < 0:
                raise InvoiceInputError(f"{name} must not be negative: {value}")
            object.__setattr__(self, name, value)
        if self.closing_kwh < self.opening_kwh:
            raise InvoiceInputError(
                f"closing_kwh {self.closing_kwh} is below opening_kwh {self.opening_kwh}"
            )

    @property
    def used_kwh(self) -> Decimal:
        return self.closing_kwh - self.opening_kwh


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    tax_category: str


@dataclass(frozen=True, slots=True)
class InvoiceQuote:
    contract_id: str
    month: Month
    currency: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    tax_rate_percent: Decimal
    taxable: Decimal
    tax: Decimal
    out_of_scope: Decimal
    carried_over: Decimal
    amount_due: Decimal


def first_term_end(start: date) -> date:
    """The first term's last day: start + 1 year - 1 day (第16条1: 利用開始日から起算して
    1年間), the year added as 12 months with the day number clamped (contracts/terms.py uses
    this one). Example: 2024-05-15 gives 2025-05-14; 2024-02-29 gives 2025-02-27."""
    return add_months_clamped(start, 12) - timedelta(days=1)


def _check_month(plan: Plan, contract: MonthlyContract, month: Month) -> None:
    if contract.plan_id != plan.plan_id:
        raise InvoiceInputError(f"contract plan {contract.plan_id!r} is not {plan.plan_id!r}")
    if month < Month.of(contract.start_date):
        raise InvoiceInputError(
            f"month {month} is before the contract's start month ({contract.start_date})"
        )
    if contract.terminated_on is None or contract.handed_back_on is None:
        return
    last = max(Month.of(contract.terminated_on), Month.of(contract.handed_back_on))
    if month > last:
        raise InvoiceInputError(
            f"month {month} is after the contract ended ({contract.terminated_on}) and the "
            f"space was handed back ({contract.handed_back_on})"
        )


def _price_in(plan: Plan, month: Month) -> PlanPrice:
    price = plan.price_in(month)
    if price is None:
        raise NoPriceForMonth(f"plan {plan.plan_id!r} has no price for {month}")
    return price


def _fee_lines(
    contract: MonthlyContract, month: Month, price: PlanPrice, tax: str
) -> list[InvoiceLine]:
    if contract.terminated_on is not None and month > Month.of(contract.terminated_on):
        return []
    fee = price.monthly_fee
    text = f"設備使用料 {month} (第6条1: 1か月未満も1か月)"
    return [InvoiceLine("equipment_fee", text, Decimal(1), "month", fee, fee, tax)]


def _usage_lines(
    plan: Plan, month: Month, price: PlanPrice, readings: MeterReadings, tax: str
) -> list[InvoiceLine]:
    kwh = readings.used_kwh
    reads = f"{readings.opening_kwh} → {readings.closing_kwh} kWh"
    energy, text = yen_truncated(kwh * price.price_per_kwh), f"充電料金 {month} ({reads})"
    lines = [InvoiceLine("energy", text, kwh, "kWh", price.price_per_kwh, energy, tax)]
    for surcharge in plan.surcharges:
        rate = surcharge.rate_in(month)
        if rate is not None:
            amount = yen_truncated(kwh * rate.rate_per_kwh)
            text = f"{surcharge.name} {month} (各種賦課金等相当額)"
            lines.append(InvoiceLine("surcharge", text, kwh, "kWh", rate.rate_per_kwh, amount, tax))
    return lines


def _early_termination(contract: MonthlyContract, ended: date, fee: Decimal) -> list[InvoiceLine]:
    term_end = first_term_end(contract.start_date)
    months = whole_months_left(ended, term_end) if ended < term_end else 0
    if months == 0:
        return []
    text = f"違約金 (第16条2): 解約日 {ended} から最初の有効期間満了日 {term_end} まで {months}か月"
    count = Decimal(months)
    return [InvoiceLine("early_termination", text, count, "month", fee, fee * count, OUT_OF_SCOPE)]


def _damages(ended: date, handed_back: date, fee: Decimal, tax: str) -> list[InvoiceLine]:
    days = (handed_back - ended).days
    since = ended + timedelta(days=1)
    text = f"使用損害金 (第19条5): {since}〜{handed_back} {days}日, 月額 × 日数 ÷ 30"
    amount = yen_pro_rata_30_days(fee, days)
    return [InvoiceLine("damages", text, Decimal(days), "day", fee, amount, tax)]


def _ending_lines(
    plan: Plan, contract: MonthlyContract, month: Month, tax: str
) -> list[InvoiceLine]:
    """The early termination fee and the damages, each priced at the termination month's fee
    (第16条2: 解約時における1か月の設備使用料; 第19条5: 本契約終了時における設備使用料)."""
    ended, handed_back = contract.terminated_on, contract.handed_back_on
    if ended is None:
        return []
    lines: list[InvoiceLine] = []
    if month == Month.of(ended):
        lines += _early_termination(contract, ended, _price_in(plan, month).monthly_fee)
    if handed_back is not None and handed_back > ended and month == Month.of(handed_back):
        fee = _price_in(plan, Month.of(ended)).monthly_fee
        lines += _damages(ended, handed_back, fee, tax)
    return lines


def _carried_line(amount: Decimal) -> list[InvoiceLine]:
    text = "前回までの未払い額 (合算請求; 当該請求書で課税済み)"
    line = InvoiceLine("carried_over", text, Decimal(1), "invoice", amount, amount, ALREADY_TAXED)
    return [line] if amount else []


def _carried_amount(carried_over: Decimal | int | str) -> Decimal:
    amount = exact(carried_over, "carried_over_yen")
    if amount < 0 or amount != amount.to_integral_value():
        raise InvoiceInputError(f"carried_over_yen must be whole, non-negative yen: {amount}")
    return amount.to_integral_value()


def quote_invoice(
    plan: Plan,
    contract: MonthlyContract,
    month: Month,
    readings: MeterReadings,
    carried_over: Decimal | int | str = ZERO,
) -> InvoiceQuote:
    """The invoice of ``contract`` for ``month`` (the module's rules).

    Raises:
        InvoiceInputError: another plan, a month before the start month or after both the
            termination and the hand-back month, a negative or non-integer carried over.
        NoPriceForMonth: the plan has no price for the month (or the termination month,
            whose fee prices the early termination fee and the damages).
    """
    _check_month(plan, contract, month)
    carried = _carried_amount(carried_over)
    price = _price_in(plan, month)
    tax = f"{plan.tax_rate_percent}%"
    lines = [
        *_fee_lines(contract, month, price, tax),
        *_usage_lines(plan, month, price, readings, tax),
        *_ending_lines(plan, contract, month, tax),
    ]
    taxable = sum((line.amount for line in lines if line.tax_category == tax), ZERO)
    out_of_scope = sum((line.amount for line in lines if line.tax_category == OUT_OF_SCOPE), ZERO)
    total = taxable + out_of_scope
    return InvoiceQuote(
        contract_id=contract.contract_id,
        month=month,
        currency=plan.currency,
        lines=(*lines, *_carried_line(carried)),
        total=total,
        tax_rate_percent=plan.tax_rate_percent,
        taxable=taxable,
        tax=included_tax(taxable, plan.tax_rate_percent),
        out_of_scope=out_of_scope,
        carried_over=carried,
        amount_due=total + carried,
    )


def invoice_as_dict(quote: InvoiceQuote) -> dict[str, object]:
    """The quote contract (README "Monthly contracts"): money as strings of integer yen."""
    return {
        "contract_id": quote.contract_id,
        "month": str(quote.month),
        "lines": [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "tax_category": line.tax_category,
            }
            for line in quote.lines
        ],
        "total": str(quote.total),
        "tax": {
            f"{quote.tax_rate_percent}%": {"taxable": str(quote.taxable), "tax": str(quote.tax)},
            OUT_OF_SCOPE: str(quote.out_of_scope),
        },
        "carried_over": str(quote.carried_over),
        "amount_due": str(quote.amount_due),
        "currency": quote.currency,
    }
