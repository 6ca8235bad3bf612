"""When invoices are issued and sent for payment (seed 001; csms/invoicing/schedule.py): the
link day (the 15th, the 10th after a carried-over amount), the expiry at the end of the 20th
(JST), and which months of a contract are due."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from csms.billing.plans import Month
from csms.contracts.models import Contract
from csms.invoicing.schedule import link_day, link_expiry, months_due

JST = timezone(timedelta(hours=9))


def _contract(start: date, ended: date | None = None, back: date | None = None) -> Contract:
    return Contract(
        contract_id="C1",
        operator_id="OP",
        customer_id="U1",
        customer_name="山田",
        place_id="P1",
        plan_id="chargeclub-standard",
        start_date=start,
        terminated_on=ended,
        handed_back_on=back,
    )


@pytest.mark.parametrize(
    ("sent_on", "expires"),
    [
        (date(2025, 6, 15), datetime(2025, 6, 21, tzinfo=JST)),
        (date(2025, 6, 20), datetime(2025, 6, 21, tzinfo=JST)),  # the 20th itself: that night
        (date(2025, 6, 21), datetime(2025, 7, 21, tzinfo=JST)),  # after the 20th: the next one
        (date(2025, 12, 28), datetime(2026, 1, 21, tzinfo=JST)),  # over the year's end
    ],
)
def test_a_link_expires_at_the_end_of_the_20th(sent_on: date, expires: datetime) -> None:
    assert link_expiry(sent_on) == expires


def test_the_link_day_is_the_15th_or_the_10th_after_a_carried_amount() -> None:
    may = Month(2025, 5)
    assert link_day(may, carries_over=False, day=15, carried_day=10) == date(2025, 6, 15)
    assert link_day(may, carries_over=True, day=15, carried_day=10) == date(2025, 6, 10)
    december = Month(2025, 12)
    assert link_day(december, carries_over=False, day=15, carried_day=10) == date(2026, 1, 15)


def test_the_months_due_are_the_ended_ones_from_the_start_to_the_last_billed() -> None:
    oldest = Month(2020, 1)
    running = _contract(date(2025, 5, 10))
    assert months_due(running, date(2025, 5, 31), oldest) == []  # May has not ended
    assert months_due(running, date(2025, 7, 1), oldest) == [Month(2025, 5), Month(2025, 6)]
    waiting = _contract(date(2025, 5, 10), ended=date(2025, 6, 10))  # not handed back yet
    assert Month(2025, 8) in months_due(waiting, date(2025, 9, 1), oldest)
    ended = _contract(date(2025, 5, 10), ended=date(2025, 6, 10), back=date(2025, 7, 2))
    assert months_due(ended, date(2026, 1, 1), oldest)[-1] == Month(2025, 7)  # damages' month
    assert months_due(running, date(2025, 7, 1), Month(2025, 6)) == [Month(2025, 6)]
