"""When invoices are issued and paid (seed 001; billing.md §3.6), in JST calendar days.

* **issue**: a contract's month is invoiced once the JST month has ended (the scheduler's
  first tick at or after 00:00 JST of the next month), from the month of the start date to
  the last month the contract bills (:func:`last_billed_month`).
* **link day**: the link (or the charge of the card on file) for month M's invoice goes out
  on ``link_day`` of M + 1 (毎月中旬: the 15th by default); when the invoice carries an
  unpaid amount over, on ``carried_link_day`` (the 10th by default: 次月の10日前後に再度決済
  用URLのメールをお送りします). A correction goes out as soon as it is issued.
* **expiry**: the end of the 20th (JST) of the month the link is sent in (有効期限は毎月20日
  まで); a link sent after the 20th (a late correction) expires at the end of the next 20th.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

from csms.billing.plans import Month
from csms.billing.pricer import JST
from csms.billing.rounding import add_months_clamped
from csms.contracts.models import Contract

EXPIRY_DAY: Final = 20  # 001 Q5: 有効期限は毎月20日までとなります


def jst_day(at: datetime) -> date:
    return at.astimezone(JST).date()


def first_day(month: Month) -> date:
    return date(month.year, month.month, 1)


def next_month(month: Month) -> Month:
    return Month.of(add_months_clamped(first_day(month), 1))


def month_end(month: Month) -> date:
    """The month's last day."""
    return first_day(next_month(month)) - timedelta(days=1)


def start_of(day: date) -> datetime:
    """00:00 JST of ``day``."""
    return datetime.combine(day, time(0), JST)


def last_billed_month(contract: Contract) -> Month | None:
    """The last month the contract bills: the later of the termination and hand-back months
    (damages come on the hand-back month's invoice, 第19条5); None while it runs or waits for
    its hand-back (every month is billed until then)."""
    if contract.terminated_on is None or contract.handed_back_on is None:
        return None
    return max(Month.of(contract.terminated_on), Month.of(contract.handed_back_on))


def months_due(contract: Contract, today: date, oldest: Month) -> list[Month]:
    """The months of the contract that have ended by ``today`` (JST), from ``oldest`` or the
    start month, whichever is later, to its last billed month."""
    month = max(Month.of(contract.start_date), oldest)
    last = last_billed_month(contract)
    current = Month.of(today)
    due = []
    while month < current and (last is None or month <= last):
        due.append(month)
        month = next_month(month)
    return due


def link_day(month: Month, *, carries_over: bool, day: int, carried_day: int) -> date:
    """The day the invoice of ``month`` is sent for payment (the module's rules)."""
    sent_in = next_month(month)
    return date(sent_in.year, sent_in.month, carried_day if carries_over else day)


def link_expiry(sent_on: date) -> datetime:
    """The end of the 20th (JST) of the month the link is sent in, or of the next 20th when
    it is sent after the 20th: the instant 00:00 JST of the 21st."""
    month = Month.of(sent_on)
    if sent_on.day > EXPIRY_DAY:
        month = next_month(month)
    return start_of(date(month.year, month.month, EXPIRY_DAY) + timedelta(days=1))
