"""Golden cases of the reservation fee rules (seed 002 第10-12条), expected by hand: minute
boundaries at the window's end, a cancellation exactly at the start, the suspension
threshold, the no-show penalty's tax, and a reserved session priced inside its window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from csms.billing.pricer import price_session
from csms.billing.reservation_fees import (
    extension_line,
    extension_minutes,
    is_late_cancellation,
    no_show_quote,
    suspends,
    with_extension,
)
from csms.billing.tariff import parse_tariff
from csms.settlement.models import (
    EnergySource,
    MembershipPrice,
    Metering,
    PricingTerms,
    ReservedWindow,
    SessionFacts,
)
from csms.settlement.statements import issue_statement
from csms.settlement.tariffs import build_catalog

END = datetime(2025, 6, 2, 1, 40, tzinfo=UTC)
US = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("after_end", "minutes"),
    [
        (timedelta(0), 0),  # stopped exactly at the end: no extension
        (-timedelta(minutes=5), 0),  # stopped before the end
        (US, 1),  # one microsecond over: a started minute
        (timedelta(seconds=60), 1),
        (timedelta(seconds=60) + US, 2),
        (timedelta(minutes=2, seconds=30), 3),
        (timedelta(hours=1), 60),
    ],
)
def test_extension_counts_started_minutes_from_the_end(after_end: timedelta, minutes: int) -> None:
    assert extension_minutes(END, END + after_end) == minutes


def test_extension_line_is_started_minutes_times_price_truncated_to_the_yen() -> None:
    line = extension_line(END, END + timedelta(minutes=6, seconds=1), Decimal("8.8"))
    assert line is not None
    assert (line.kind, line.quantity, line.unit) == ("unauthorised_extension", Decimal(7), "min")
    assert line.amount == Decimal(61)  # 8.8 x 7 = 61.6 -> 61
    assert extension_line(END, END, Decimal(20)) is None
    assert extension_line(END, END + timedelta(minutes=3), Decimal(0)) is None


def test_cancellation_exactly_at_the_start_is_late() -> None:
    start = END - timedelta(minutes=30)
    assert is_late_cancellation(start, start)
    assert not is_late_cancellation(start - US, start)
    assert is_late_cancellation(start + timedelta(minutes=1), start)


@pytest.mark.parametrize(
    ("offences", "threshold", "suspended"),
    [(2, 3, False), (3, 3, True), (4, 3, True), (10, 0, False), (1, 1, True)],
)
def test_suspension_threshold(offences: int, threshold: int, suspended: bool) -> None:
    assert suspends(offences, threshold) is suspended


def test_no_show_penalty_and_its_included_tax() -> None:
    quote = no_show_quote(Decimal(550))
    assert quote is not None
    assert (quote.total, quote.tax_included) == (Decimal(550), Decimal(50))
    assert [(line.kind, line.amount) for line in quote.lines] == [("no_show_penalty", 550)]
    odd = no_show_quote(Decimal(1099))
    assert odd is not None
    assert odd.tax_included == Decimal(99)
    assert no_show_quote(Decimal(0)) is None


TARIFF = {
    "id": "reserve-example",
    "name": "example time tariff (example numbers)",
    "source": "test",
    "currency": "JPY",
    "tax_rate_percent": "10",
    "versions": [{"version": "1", "components": [{"type": "time", "per_minute_price": "10"}]}],
}
MEMBER = TARIFF | {
    "id": "reserve-member",
    "versions": [{"version": "1", "components": [{"type": "time", "per_minute_price": "7"}]}],
}


def _statement(terms: PricingTerms, stopped: datetime) -> dict[str, object]:
    tariffs = {str(t["id"]): parse_tariff(t, "test") for t in (TARIFF, MEMBER)}
    assignments = {
        "stations": {"ST1": {"current": "AC", "max_power_kw": "6", "tariff": "reserve-example"}}
    }
    catalog = build_catalog(tariffs, assignments, "test")
    facts = SessionFacts(
        uuid.uuid4(),
        "ST1",
        1,
        "1",
        END - timedelta(minutes=20),
        stopped,
        "CARD",
        "Accepted",
        None,
        Decimal(1000),
    )
    statement = issue_statement(
        catalog, facts, Metering(Decimal(1000), EnergySource.CHARGER_REGISTER), terms=terms
    )
    lines = [(line.kind, line.quantity, line.amount) for line in statement.lines]
    return {
        "lines": lines,
        "total": statement.total,
        "tax": statement.tax_included,
        "inputs": statement.inputs,
    }


def test_a_reserved_session_is_priced_inside_its_window_plus_the_extension() -> None:
    window = ReservedWindow(uuid.uuid4(), END, Decimal(20))
    priced = _statement(PricingTerms(reservation=window), END + timedelta(minutes=2, seconds=1))
    # 20 minutes of charging inside the window at 10 yen, then 3 started minutes at 20 yen
    assert priced["lines"] == [("time", 20, 200), ("unauthorised_extension", 3, 60)]
    assert (priced["total"], priced["tax"]) == (Decimal(260), Decimal(23))  # floor(260/11)
    plain = _statement(PricingTerms(), END + timedelta(minutes=2, seconds=1))
    assert plain["lines"] == [("time", 23, 230)]  # no reservation: the whole time


def test_a_member_pays_the_membership_price_and_the_statement_names_it() -> None:
    membership = MembershipPrice("gold", "Gold members", "reserve-member")
    priced = _statement(PricingTerms(membership=membership), END)
    assert priced["lines"] == [("time", 20, 140)]
    assert priced["inputs"]["membership"] == {"membership_id": "gold", "name": "Gold members"}  # type: ignore[index]
    listed = _statement(PricingTerms(), END)
    assert listed["lines"] == [("time", 20, 200)]
    assert "membership" not in listed["inputs"]  # type: ignore[operator]


def test_price_session_is_untouched_by_the_window_helpers() -> None:
    tariff = parse_tariff(TARIFF, "test")
    quote = price_session(tariff, END - timedelta(minutes=10), END, Decimal(1))
    assert with_extension(quote, None) is quote
