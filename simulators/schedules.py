"""One charging profile as a schedule in time: which period is in force at a moment.

A profile as received (camelCase, 1.6 §5.16 csChargingProfiles or 2.0.1 K01 chargingProfile)
is read into a ``Schedule``: purpose, stack level, kind, validity, start, periods, unit. The
start of its periods (1.6 §3.13.1 / 2.0.1 K01 ChargingProfileKindEnumType) is

- Absolute: ``startSchedule``; without it "relative to start of charging" (1.6 §7.13,
  2.0.1 ChargingScheduleType), i.e. like Relative;
- Relative: the transaction's start (the ``origin`` the caller passes: the session's start,
  or the moment asked about when no session is open: a would-be session starting then);
- Recurring Daily/Weekly: ``startSchedule`` plus whole days/weeks, the latest repetition that
  has begun; nothing before ``startSchedule``.

A period covers a moment from its ``startPeriod`` until the next one's, within ``duration``
(if given) and ``validFrom <= moment < validTo``. 2.0.1 allows up to three schedules in a
profile; the simulator follows the first. ``minChargingRate`` is kept but not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

AC_VOLTS = 230  # a limit in A on an AC station: 230 V per phase
DC_VOLTS = 400  # a limit in A on a DC station: the DC voltage, no phases
DEFAULT_PHASES = 3  # numberPhases when absent (1.6 §7.14, 2.0.1 ChargingSchedulePeriodType)
STATION_MAX = frozenset({"ChargePointMaxProfile", "ChargingStationMaxProfile"})
RECURRENCE = {"Daily": timedelta(days=1), "Weekly": timedelta(weeks=1)}
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Period:
    """One chargingSchedulePeriod: from ``start_s`` into the schedule, at most ``limit``."""

    start_s: int
    limit: Fraction
    phases: int | None = None  # numberPhases as received


@dataclass(frozen=True)
class Schedule:
    """A kept charging profile, read for the composite limit (1.6 §3.13, 2.0.1 K01)."""

    profile_id: int
    connector: int  # the connector/EVSE it was set for: 0 is the whole station
    purpose: str
    stack_level: int
    kind: str
    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    start: datetime | None = None  # startSchedule
    duration_s: int | None = None
    transaction_id: str | None = None  # a TxProfile's transaction, as text

    def anchor(self, moment: datetime, origin: datetime) -> datetime | None:
        """When the schedule (its repetition in force, if Recurring) began; None if it has
        not begun at ``moment``."""
        begins = self.start if self.kind != "Relative" and self.start else origin
        if self.kind == "Recurring":
            every = RECURRENCE.get(self.recurrency or "", timedelta(days=1))
            if moment < begins:
                return None
            return begins + every * ((moment - begins) // every)
        return begins if moment >= begins else None

    def valid(self, moment: datetime) -> bool:
        """Whether ``validFrom <= moment < validTo`` (absent bounds are open)."""
        if self.valid_from is not None and moment < self.valid_from:
            return False
        return self.valid_to is None or moment < self.valid_to

    def period_at(self, moment: datetime, origin: datetime) -> Period | None:
        """The period in force at ``moment``, if the profile is valid and one covers it."""
        anchor = self.anchor(moment, origin) if self.valid(moment) else None
        if anchor is None:
            return None
        offset = seconds(moment - anchor)
        if self.duration_s is not None and offset >= self.duration_s:
            return None
        started = [p for p in self.periods if p.start_s <= offset]
        return max(started, key=lambda p: p.start_s) if started else None

    def boundaries(self, since: datetime, until: datetime, origin: datetime) -> set[datetime]:
        """The moments in ``(since, until)`` at which this profile's limit may change."""
        found = {m for m in (self.valid_from, self.valid_to) if m is not None}
        for anchor in self._anchors(since, until, origin):
            found.update(anchor + timedelta(seconds=p.start_s) for p in self.periods)
            if self.duration_s is not None:
                found.add(anchor + timedelta(seconds=self.duration_s))
        return {m for m in found if since < m < until}

    def _anchors(self, since: datetime, until: datetime, origin: datetime) -> list[datetime]:
        first = self.anchor(since, origin)
        begins = self.start if self.kind != "Relative" and self.start else origin
        anchor = begins if first is None else first
        if self.kind != "Recurring":
            return [anchor]
        every = RECURRENCE.get(self.recurrency or "", timedelta(days=1))
        anchors = []
        while anchor < until:
            anchors.append(anchor)
            anchor += every
        return anchors


def seconds(span: timedelta) -> Fraction:
    """A time span in exact seconds (microsecond resolution, as ``datetime`` keeps it)."""
    return Fraction(span // MICROSECOND, 1_000_000)


def parse_time(text: str) -> datetime:
    """An OCPP dateTime (RFC 3339, ``Z`` or an offset) as an aware UTC moment."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _time(value: Any) -> datetime | None:
    return parse_time(str(value)) if value is not None else None


def parse(connector: int, profile: dict[str, Any]) -> Schedule:
    """A received profile of either version as a ``Schedule`` (KeyError/ValueError if it is
    not one): 1.6 ``chargingProfileId`` and one schedule, 2.0.1 ``id`` and a list."""
    body = profile["chargingSchedule"]
    body = body[0] if isinstance(body, list) else body
    periods = tuple(
        Period(int(p["startPeriod"]), Fraction(str(p["limit"])), p.get("numberPhases"))
        for p in body["chargingSchedulePeriod"]
    )
    if not periods or body["chargingRateUnit"] not in ("A", "W"):
        raise ValueError("a schedule needs periods and a unit of A or W")
    tx_id = profile.get("transactionId")
    return Schedule(
        int(profile["chargingProfileId"] if "chargingProfileId" in profile else profile["id"]),
        connector,
        str(profile["chargingProfilePurpose"]),
        int(profile["stackLevel"]),
        str(profile["chargingProfileKind"]),
        str(body["chargingRateUnit"]),
        periods,
        profile.get("recurrencyKind"),
        _time(profile.get("validFrom")),
        _time(profile.get("validTo")),
        _time(body.get("startSchedule")),
        int(body["duration"]) if body.get("duration") is not None else None,
        str(tx_id) if tx_id is not None else None,
    )


def phases_of(period: Period, current: str) -> int:
    """The phases a period's limit spans: numberPhases (default 3) on AC, 1 on DC."""
    return 1 if current == "DC" else period.phases or DEFAULT_PHASES


def volts(current: str) -> int:
    """The voltage a limit in A is multiplied by: per phase on AC, the DC voltage on DC."""
    return DC_VOLTS if current == "DC" else AC_VOLTS


def watts(period: Period, unit: str, current: str) -> Fraction:
    """A period's limit in W: as given in W; in A, × volts × phases (230 V × 3 on AC by
    default, 400 V on DC)."""
    if unit == "W":
        return period.limit
    return period.limit * volts(current) * phases_of(period, current)
