"""Charging profiles a simulated charger accepts and keeps, and the cap a TxProfile sets.

SetChargingProfile (1.6 §5.16, 2.0.1 K01) is first checked (``admit``), then the profile is
kept as received (camelCase), replacing one with its id (1.6 §5.16.3, 2.0.1 K01.FR.05) and,
on 1.6, one with the same connector, stack level and purpose (1.6 §5.16.3). The station
follows the kept profiles over time (``composite``); ``power_limit_w`` still records the first
period's limit of a session's TxProfile (one phase at 230 V), as before. ClearChargingProfile
(1.6 §5.5, 2.0.1 K10) removes profiles by id or by criteria, and their cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from simulators.schedules import STATION_MAX, parse
from simulators.state import StationState

VOLTS = 230  # a limit in A is taken as one phase at 230 V: good enough for a simulator


@dataclass(frozen=True)
class ProfileCriteria:
    """Which kept profiles a ClearChargingProfile means; with an id only that id counts."""

    profile_id: int | None = None
    connector: int | None = None
    purpose: str | None = None
    stack_level: int | None = None

    def matches(self, connector: int, profile: dict[str, Any], id_key: str) -> bool:
        """Whether the profile kept for ``connector`` is one of those meant."""
        if self.profile_id is not None:
            return bool(profile.get(id_key) == self.profile_id)
        return (
            self.connector in (None, connector)
            and self.purpose in (None, profile.get("chargingProfilePurpose"))
            and self.stack_level in (None, profile.get("stackLevel"))
        )


def first_limit_w(profile: dict[str, Any]) -> int | None:
    """The first period's limit in whole W (1.6 one schedule, 2.0.1 a list of them)."""
    schedule = profile.get("chargingSchedule")
    if isinstance(schedule, list):
        schedule = schedule[0] if schedule else None
    if not isinstance(schedule, dict) or not schedule.get("chargingSchedulePeriod"):
        return None
    limit = Fraction(str(schedule["chargingSchedulePeriod"][0]["limit"]))
    if schedule.get("chargingRateUnit") == "A":
        limit *= VOLTS
    return max(0, math.floor(limit))


def capped_connector(state: StationState, connector: int, profile: dict[str, Any]) -> int | None:
    """The connector whose open session a TxProfile is for (by transactionId, else connector)."""
    if profile.get("chargingProfilePurpose") != "TxProfile":
        return None
    transaction_id = profile.get("transactionId")
    if transaction_id is not None:
        tx = state.find(str(transaction_id))
    else:
        tx = state.transactions.get(connector)
    return tx.connector if tx is not None else None


def admit(state: StationState, connector: int, profile: dict[str, Any]) -> str:
    """SetChargingProfile's status for a profile: Rejected if it cannot be read, is for an
    unknown connector, is a station max not on connector 0 (1.6 §5.16, 2.0.1 K01), is a
    TxProfile without an open session (1.6 §5.16, 2.0.1 K01.FR.09) or is stacked above
    ``max_stack_level`` (1.6 ChargeProfileMaxStackLevel, 2.0.1 ProfileStackLevel)."""
    try:
        schedule = parse(connector, profile)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return "Rejected"
    limit = state.max_stack_level
    refused = (
        not 0 <= connector <= state.profile.connectors
        or (schedule.purpose in STATION_MAX and connector != 0)
        or (schedule.purpose == "TxProfile" and capped_connector(state, connector, profile) is None)
        or (limit is not None and schedule.stack_level > limit)
    )
    return "Rejected" if refused else "Accepted"


def _replaced(
    kept: tuple[int, dict[str, Any]],
    connector: int,
    profile: dict[str, Any],
    id_key: str,
    same_stack: bool,
) -> bool:
    old_connector, old = kept
    if old.get(id_key) == profile.get(id_key):
        return True
    same = ("stackLevel", "chargingProfilePurpose")
    return same_stack and old_connector == connector and all(old.get(k) == profile[k] for k in same)


def keep(
    state: StationState,
    connector: int,
    profile: dict[str, Any],
    id_key: str,
    *,
    same_stack: bool = False,
) -> None:
    """Keep an accepted profile, replacing one with its id (and, with ``same_stack``, the
    1.6 rule, one with its connector, stack level and purpose); a TxProfile caps its session
    in ``power_limit_w`` unless the station ``ignores_profiles``."""
    state.charging_profiles[:] = [
        kept
        for kept in state.charging_profiles
        if not _replaced(kept, connector, profile, id_key, same_stack)
    ]
    state.charging_profiles.append((connector, profile))
    capped = capped_connector(state, connector, profile)
    limit = first_limit_w(profile)
    if capped is not None and limit is not None and not state.ignores_profiles:
        state.power_limit_w[capped] = limit


def clear(state: StationState, criteria: ProfileCriteria, id_key: str) -> bool:
    """Remove the profiles ``criteria`` means and the caps they set; whether any matched."""
    cleared = [(c, p) for c, p in state.charging_profiles if criteria.matches(c, p, id_key)]
    state.charging_profiles[:] = [
        (c, p) for c, p in state.charging_profiles if not criteria.matches(c, p, id_key)
    ]
    for connector, profile in cleared:
        if profile.get("chargingProfilePurpose") == "TxProfile":
            state.power_limit_w.pop(capped_connector(state, connector, profile) or connector, None)
    return bool(cleared)


def bind(
    state: StationState, connector: int, profile: dict[str, Any], spell: Callable[[str], Any]
) -> dict[str, Any]:
    """A TxProfile without ``transactionId`` with the id of the session open on its connector
    added (``spell`` writes it the version's way), as 1.6 §5.16.2 asks of a charger for the
    profile of a remote start, so it stops applying with that session; others as received."""
    tx = state.transactions.get(connector)
    purpose = profile.get("chargingProfilePurpose")
    if purpose != "TxProfile" or "transactionId" in profile or tx is None:
        return profile
    if not tx.transaction_id:
        return profile
    return {**profile, "transactionId": spell(tx.transaction_id)}
