"""A contract's term (seed 003 第16条1): one year from the start date (利用開始日), renewed for
a year at a time unless either side says otherwise at least one month before it ends.

Examples: start 2024-05-10: the first term ends 2025-05-09; the notice deadline is 2025-04-09.
Start 2024-01-31: the first term ends 2025-01-30.
"""

from __future__ import annotations

from datetime import date, timedelta

from csms.billing.invoice import first_term_end
from csms.billing.rounding import add_months_clamped
from csms.contracts.models import Contract


def term_end(start: date, term: int = 1) -> date:
    """The last day of the ``term``-th yearly term (start + term years - 1 day); the first
    term's is the invoice rules' ``first_term_end`` (one rule for both)."""
    if term == 1:
        return first_term_end(start)
    return add_months_clamped(start, 12 * term) - timedelta(days=1)


def notice_deadline(end: date) -> date:
    """The last day to say "no renewal" for a term ending ``end``: one month before it."""
    return add_months_clamped(end, -1)


def current_term_end(contract: Contract, today: date) -> date:
    """The end of the term ``today`` falls in; renewals stop after a timely notice."""
    term = 1
    while term_end(contract.start_date, term) < today:
        end = term_end(contract.start_date, term)
        notice = contract.no_renewal_notice_on
        if notice is not None and notice <= notice_deadline(end):
            return end  # not renewed: it ended at this term's end
        term += 1
    return term_end(contract.start_date, term)


def renews(contract: Contract, today: date) -> bool:
    """Whether the current term renews automatically (no notice in time, not terminated)."""
    if contract.terminated_on is not None:
        return False
    end = current_term_end(contract, today)
    notice = contract.no_renewal_notice_on
    return notice is None or notice > notice_deadline(end)
