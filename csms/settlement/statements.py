"""Issue a session's statement from its metering decision (billing.md §4).

The statement names the tariff and version, every line (quantity after rounding, unit,
unit price, amount in integer yen), the total and the included tax, and the inputs used
(start, stop, energy and where it came from). A session that cannot be priced gets an
``unpriced`` statement with the reason, never a silent zero; one held for review gets
``needs_review`` with its ``review_reason`` code and no total.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any, Final

from csms.billing.pricer import NoTariffInForce, Quote, price_session
from csms.billing.reservation_fees import charged_until, extension_line, with_extension
from csms.billing.tariff import Tariff
from csms.settlement.models import (
    Metering,
    PricingTerms,
    SessionFacts,
    Statement,
    StatementStatus,
)
from csms.settlement.tariffs import NoTariffAssigned, TariffCatalog

NO_TERMS: Final = PricingTerms()


def issue_statement(
    catalog: TariffCatalog,
    facts: SessionFacts,
    metering: Metering,
    *,
    corrects: uuid.UUID | None = None,
    correction_reason: str | None = None,
    terms: PricingTerms = NO_TERMS,
) -> Statement:
    """The one way a statement is made, for settlement and for corrections alike.

    ``terms``: a membership's tariff replaces the list price (seed 002 第13条); a session
    charged in a reservation is priced until the window's end at the latest and its
    unauthorised extension is a line of its own (第10条, 第12条; billing/reservation_fees).
    """
    inputs = _inputs(facts, metering) | _terms_inputs(_applied(catalog, terms))
    head: dict[str, Any] = {
        "statement_id": uuid.uuid4(),
        "session_id": facts.session_id,
        "inputs": inputs,
        "corrects": corrects,
        "correction_reason": correction_reason,
    }
    if metering.review_reason is not None:
        return _without_price(head, StatementStatus.NEEDS_REVIEW, metering.review_detail or "")
    try:
        if metering.energy_wh is None:
            raise ValueError("the delivered energy is unknown (no start or stop register)")
        quote = quote_for(catalog, facts, metering.energy_wh, terms)
    except (NoTariffAssigned, NoTariffInForce, ValueError) as exc:
        return _without_price(head, StatementStatus.UNPRICED, str(exc))
    return Statement(
        status=StatementStatus.ISSUED, unpriced_reason=None, **_price_of(quote), **head
    )


def quote_for(
    catalog: TariffCatalog, facts: SessionFacts, energy_wh: Any, terms: PricingTerms = NO_TERMS
) -> Quote:
    """The price of a session as far as ``facts`` go: its statement's, or the running cost
    shown on the charger's screen while it charges (seed 002 第10条: the price at the start).

    Raises NoTariffAssigned, NoTariffInForce, ValueError (see ``price_session``)."""
    return _quote(tariff_for(catalog, facts, terms), facts, energy_wh, terms)


def tariff_for(catalog: TariffCatalog, facts: SessionFacts, terms: PricingTerms) -> Tariff:
    """The member's membership tariff where one applies, else the list price."""
    if terms.membership is not None and terms.membership.tariff_id in catalog.tariffs:
        return catalog.get(terms.membership.tariff_id)
    return catalog.resolve(facts.station_id, facts.evse_id)


def _quote(tariff: Tariff, facts: SessionFacts, energy_wh: Any, terms: PricingTerms) -> Quote:
    """The charging priced (inside the reservation's window), plus any extension line."""
    window = terms.reservation
    if window is None:
        return price_session(tariff, facts.started_at, facts.stopped_at, energy_wh)
    until = max(charged_until(window.ends_at, facts.stopped_at), facts.started_at)
    quote = price_session(tariff, facts.started_at, until, energy_wh)
    extension = extension_line(window.ends_at, facts.stopped_at, window.extension_fee_per_minute)
    return with_extension(quote, extension)


def _applied(catalog: TariffCatalog, terms: PricingTerms) -> PricingTerms:
    """The terms that price it: a membership whose tariff is unknown prices nothing."""
    if terms.membership is not None and terms.membership.tariff_id not in catalog.tariffs:
        return replace(terms, membership=None)
    return terms


def _terms_inputs(terms: PricingTerms) -> dict[str, Any]:
    """The membership and the reservation window, printed on the statement."""
    inputs: dict[str, Any] = {}
    if terms.membership is not None:
        membership = terms.membership
        inputs["membership"] = {"membership_id": membership.membership_id, "name": membership.name}
    if terms.reservation is not None:
        window = terms.reservation
        inputs["reservation"] = {
            "reservation_id": str(window.reservation_id),
            "ends_at": window.ends_at.isoformat(),
            "extension_fee_per_minute": str(window.extension_fee_per_minute),
        }
    return inputs


def reservation_statement(
    reservation_id: uuid.UUID, quote: Quote, inputs: dict[str, Any]
) -> Statement:
    """A reservation's own statement (seed 002 第11条: the no-show penalty), no session."""
    return Statement(
        statement_id=uuid.uuid4(),
        session_id=None,
        reservation_id=reservation_id,
        status=StatementStatus.ISSUED,
        unpriced_reason=None,
        inputs=inputs,
        **_price_of(quote),
    )


def _inputs(facts: SessionFacts, metering: Metering) -> dict[str, Any]:
    """What the statement was computed from, printed on it."""
    inputs: dict[str, Any] = {
        "started_at": facts.started_at.isoformat(),
        "stopped_at": facts.stopped_at.isoformat(),
        "energy_wh": str(metering.energy_wh) if metering.energy_wh is not None else None,
        "energy_source": metering.source.value,
        "station_id": facts.station_id,
        "evse_id": facts.evse_id,
    }
    if metering.meter is not None:
        inputs["meter"] = metering.meter
    if metering.review_reason is not None:
        inputs["review_reason"] = metering.review_reason.value
    if facts.ending is not None:  # e.g. "closed_by_operator": {"by": ..., "reason": ...}
        details = dict(facts.ending)
        inputs[str(details.pop("kind"))] = details
    return inputs


# An unpriced or held statement: no tariff, no lines, no total (never a price of zero).
_NO_PRICE: Final[dict[str, Any]] = {
    "tariff_id": None,
    "tariff_version": None,
    "currency": "JPY",
    "lines": (),
    "total": None,
    "tax_included": None,
    "tax_rate_percent": None,
    "waiver": None,
}


def _price_of(quote: Quote) -> dict[str, Any]:
    """A priced statement's price: the engine's quote, field for field."""
    return {name: getattr(quote, name) for name in _NO_PRICE}


def _without_price(head: dict[str, Any], status: StatementStatus, reason: str) -> Statement:
    """Held for review or unpriced: the reason, never a price of zero."""
    return Statement(status=status, unpriced_reason=reason, **_NO_PRICE, **head)


def reason_code(statement: Statement) -> str | None:
    """A bounded label for why a statement has no total (the text itself goes to the row)."""
    if statement.status is StatementStatus.NEEDS_REVIEW:
        return str(statement.inputs.get("review_reason", "needs_review"))
    reason = statement.unpriced_reason
    if statement.status is not StatementStatus.UNPRICED or reason is None:
        return None
    if "no tariff assignment" in reason or "no tariff applies" in reason:
        return "no_tariff_assigned"
    if "no version in force" in reason:
        return "no_version_in_force"
    if "energy is unknown" in reason:
        return "energy_unknown"
    return "invalid_inputs"
