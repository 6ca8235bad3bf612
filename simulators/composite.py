"""The composite limit of a connector: what all kept profiles together allow at a moment.

1.6 §3.13.2 stacking and §3.13.4 composite schedule, 2.0.1 K08 and the composite schedule
rules of 2.0.1 Part 2 §K (K01 "Charging profile stacking"):

- per purpose, the profile with the highest ``stackLevel`` that is valid and has a period
  covering the moment gives that purpose's limit (a lower one takes over where a higher one
  has no period); at equal stack levels a connector's own TxDefaultProfile goes before the
  station-wide one (connector 0), then the one kept last;
- a TxProfile (bound to the connector's open session: its ``transactionId``, or, without one,
  the session open on the connector it was set for) overrides the TxDefaultProfiles (the
  connector's own and connector 0's);
- ChargePointMaxProfile / ChargingStationMaxProfile (connector 0) caps the result: the
  composite is the minimum of the two. The cap applies to each connector on its own (the
  simulator does not share it out between connectors);
- every limit is compared in W (``schedules.watts``). Connector 0 has only the station max.

Nothing here knows a protocol or the station's state; ``StationState`` passes its profiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from simulators.schedules import STATION_MAX, Period, Schedule, phases_of, seconds, watts


@dataclass(frozen=True)
class Session:
    """The open session on a connector, as far as profiles care."""

    transaction_id: str
    started_at: datetime


@dataclass(frozen=True)
class Limit:
    """A composite limit in W and the phases of the period that set it."""

    watts: Fraction
    phases: int  # numberPhases of the winning period (default 3 on AC, 1 on DC)
    phases_given: bool  # whether that period said numberPhases itself


def bound(schedule: Schedule, connector: int, session: Session | None) -> bool:
    """Whether a TxProfile is for the session open on ``connector``."""
    if session is None:
        return False
    if schedule.transaction_id is not None:
        return schedule.transaction_id == session.transaction_id
    return schedule.connector == connector


def concerning(
    schedules: Sequence[Schedule], connector: int, session: Session | None
) -> list[Schedule]:
    """The kept profiles that can limit ``connector``: its TxProfile, the TxDefaultProfiles
    for it and for the whole station, the station max (connector 0: only the station max)."""
    found = []
    for schedule in schedules:
        if _concerns(schedule, connector, session):
            found.append(schedule)
    return found


def _concerns(schedule: Schedule, connector: int, session: Session | None) -> bool:
    if schedule.purpose in STATION_MAX:
        return True
    if connector == 0:
        return False
    if schedule.purpose == "TxProfile":
        return bound(schedule, connector, session)
    return schedule.purpose == "TxDefaultProfile" and schedule.connector in (0, connector)


def in_force(
    candidates: Sequence[Schedule], moment: datetime, origin: datetime
) -> tuple[Schedule, Period] | None:
    """The winning profile and its period at ``moment``: highest stack level with a period
    covering it; at equal levels a connector's own before connector 0's, then the latest."""
    ranked = sorted(
        enumerate(candidates),
        key=lambda item: (item[1].stack_level, item[1].connector != 0, item[0]),
        reverse=True,
    )
    for _, schedule in ranked:
        period = schedule.period_at(moment, origin)
        if period is not None:
            return schedule, period
    return None


def _limit(found: tuple[Schedule, Period] | None, current: str) -> Limit | None:
    if found is None:
        return None
    schedule, period = found
    given = period.phases is not None and current != "DC"
    return Limit(watts(period, schedule.unit, current), phases_of(period, current), given)


def limit_at(
    schedules: Sequence[Schedule],
    connector: int,
    moment: datetime,
    session: Session | None,
    current: str,
    origin: datetime | None = None,
) -> Limit | None:
    """The composite limit of ``connector`` at ``moment`` (None: no profile limits it);
    Relative schedules start at the session's start, else at ``origin`` (default ``moment``)."""
    origin = session.started_at if session is not None else origin or moment
    mine = concerning(schedules, connector, session)
    by_purpose = [[s for s in mine if s.purpose == "TxProfile"]]
    by_purpose.append([s for s in mine if s.purpose == "TxDefaultProfile"])
    tx_limit = next(
        (found for group in by_purpose if (found := in_force(group, moment, origin))), None
    )
    station = in_force([s for s in mine if s.purpose in STATION_MAX], moment, origin)
    limits = [x for x in (_limit(tx_limit, current), _limit(station, current)) if x]
    return min(limits, key=lambda x: x.watts) if limits else None


def changes(
    schedules: Sequence[Schedule],
    connector: int,
    since: datetime,
    until: datetime,
    session: Session | None,
) -> list[datetime]:
    """The moments in ``(since, until)`` at which the composite limit may change, in order."""
    origin = session.started_at if session is not None else since
    found: set[datetime] = set()
    for schedule in concerning(schedules, connector, session):
        found |= schedule.boundaries(since, until, origin)
    return sorted(found)


def pieces(
    schedules: Sequence[Schedule],
    connector: int,
    start: datetime,
    span_s: Fraction,
    session: Session | None,
    current: str,
) -> list[tuple[Fraction, Limit | None]]:
    """``[start, start + span_s]`` cut where the composite limit may change: each piece's
    exact length in s and the limit in force at its start; the lengths add up to ``span_s``."""
    end = start + _span(span_s) + timedelta(microseconds=1)
    cuts = [seconds(m - start) for m in changes(schedules, connector, start, end, session)]
    offsets = [Fraction(0)] + [c for c in cuts if 0 < c < span_s]
    ends = [*offsets[1:], span_s]
    return [
        (stop - begin, limit_at(schedules, connector, start + _span(begin), session, current))
        for begin, stop in zip(offsets, ends, strict=True)
    ]


def _span(offset: Fraction) -> timedelta:
    """An offset as a timedelta, to the microsecond below (the cuts are whole microseconds)."""
    return timedelta(microseconds=int(offset * 1_000_000))
