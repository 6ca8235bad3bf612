"""csms.settlement.models"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from csms.billing.pricer import Line
from csms.records import frozen


@frozen
class MeterSample:
    """One sampled value as the station sent it; energy is never a float.

    ``value`` is the number as sent (1.6 sends strings, 2.0.1 numbers); ``unit`` and
    ``multiplier`` say how to read it (2.0.1 unitOfMeasure; 1.6 unit, multiplier 0).
    ``signed_data`` keeps a signed record (OCMF, ...) verbatim. A sampled value that cannot
    be read (1.6 ``value`` "" for a Voltage, a field off the schema) has ``value`` None, the
    sampled value as sent in ``raw_value`` and why in ``unreadable``; it is kept, flagged,
    and never makes the message that carries it fail.
    """

    sampled_at: datetime
    measurand: str
    value: Decimal | None
    unit: str | None = None
    multiplier: int = 0
    phase: str | None = None
    context: str | None = None
    location: str | None = None
    signed_data: str | None = None
    signing_method: str | None = None
    encoding_method: str | None = None
    public_key: str | None = None
    raw_value: str | None = None
    unreadable: str | None = None

    @property
    def plain(self) -> bool:
        """Readable and unsigned: only its reading columns to store (what group commit
        writes; a signed or unreadable sample takes the per-message path)."""
        return self.signed_data is None and self.unreadable is None


class StatementStatus(enum.StrEnum):
    ISSUED = "issued"
    UNPRICED = "unpriced"
    NEEDS_REVIEW = "needs_review"  # the billing meter's signed data did not verify


StatementLine = Line  # a statement line is exactly what the engine priced


@frozen
class Statement:
    """A session's bill, or a reservation's (a no-show penalty, seed 002 第11条: then
    ``session_id`` is None); immutable. ``corrects`` names the statement a correction
    replaces."""

    statement_id: UUID
    session_id: UUID | None
    status: StatementStatus
    tariff_id: str | None
    tariff_version: str | None
    currency: str
    lines: tuple[StatementLine, ...]
    total: Decimal | None
    tax_included: Decimal | None
    tax_rate_percent: Decimal | None
    waiver: str | None
    unpriced_reason: str | None
    inputs: dict[str, Any]
    corrects: UUID | None = None
    correction_reason: str | None = None
    issued_at: datetime | None = None
    reservation_id: UUID | None = None


@frozen
class MeterRecord:
    """A registered billing meter (specified metering: maker, model, serial, year, class)."""

    serial: str
    maker: str
    model: str
    year: int | None
    accuracy_class: str | None
    public_key: str | None
    station_id: str | None
    evse_id: int | None
    site: str | None = None
    location_note: str | None = None
    signs_ocmf: bool = True
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def identity(self) -> dict[str, Any]:
        """What a statement prints about the meter (seed 003: 製造番号, 製造年; 004 別紙2)."""
        return {
            "maker": self.maker,
            "model": self.model,
            "serial": self.serial,
            "year": self.year,
            "accuracy_class": self.accuracy_class,
        }


@frozen
class SignedRecord:
    """A signed meter record as received, verbatim, with its extracted OCMF text."""

    record_id: int | None
    session_id: UUID | None
    station_id: str
    transaction_id: str | None
    carrier: str
    raw: str
    ocmf: str | None
    public_key: str | None
    parse_error: str | None
    received_at: datetime | None = None


class EnergySource(enum.StrEnum):
    """Where a session's billed energy comes from (billing.md §4)."""

    CHARGER_REGISTER = "charger_register"
    SIGNED_METER = "signed_meter"


class ReviewReason(enum.StrEnum):
    """Why a statement is held ``needs_review`` (no total until the reason is resolved)."""

    METER_KEY_UNKNOWN = "meter_key_unknown"
    METER_UNVERIFIED = "meter_unverified"
    AUTHORIZATION_REFUSED = "authorization_refused"
    SUPERSEDED = "superseded"  # a new transaction started on its connector (charging.endings)
    INTERRUPTED = "interrupted"  # the station rebooted and never mentioned it again


@frozen
class Metering:
    """The metering decision of a finished session, stored once with it.

    ``energy_wh`` is what the statement bills (None: unknown); ``meter`` the billing meter's
    identity and its signed begin/end readings when one measured the connector;
    ``review_reason`` holds the statement for review, ``review_detail`` says why in words.
    """

    energy_wh: Decimal | None
    source: EnergySource
    meter: dict[str, Any] | None = None
    review_reason: ReviewReason | None = None
    review_detail: str | None = None


@frozen
class SessionFacts:
    """What settlement needs to know of a finished session (charging hands it over).

    ``register_energy_wh`` is the charger register's stop minus start (None: unknown);
    ``authorization_status`` how the central system answered the starting token (None: no
    token was presented).
    """

    session_id: UUID
    station_id: str
    evse_id: int | None
    transaction_id: str
    started_at: datetime
    stopped_at: datetime
    id_token: str | None
    authorization_status: str | None
    visitor_id: UUID | None
    register_energy_wh: Decimal | None
    ending: dict[str, Any] | None = None  # not ended by the station: how (printed on it)


@frozen
class MembershipPrice:
    """A membership's special price for this member at this station (seed 002 第13条)."""

    membership_id: str
    name: str
    tariff_id: str


@frozen
class ReservedWindow:
    """The reservation a session was charged in (seed 002 第10条, 第12条)."""

    reservation_id: UUID
    ends_at: datetime
    extension_fee_per_minute: Decimal


@frozen
class PricingTerms:
    """What else prices a session besides its tariff: the member's membership price and the
    reservation it was charged in (none for most sessions)."""

    membership: MembershipPrice | None = None
    reservation: ReservedWindow | None = None
