"""Charging profiles a simulated charger keeps, and the power cap a TxProfile sets.

SetChargingProfile (1.6 §5.16, 2.0.1 K01) keeps the profile as received (camelCase); a
TxProfile for an open session caps that connector at its schedule's first period limit
(1.6 §3.13.1 / 2.0.1 K01: TxProfile applies to one transaction). ClearChargingProfile (1.6
§5.5, 2.0.1 K10) removes profiles by id or by criteria, and their cap. The schedule is not
followed over time: the first period's limit holds for the whole session.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

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


def keep(state: StationState, connector: int, profile: dict[str, Any], id_key: str) -> None:
    """Keep an accepted profile, replacing one with its id; a TxProfile caps its session."""
    state.charging_profiles[:] = [
        (c, p) for c, p in state.charging_profiles if p.get(id_key) != profile.get(id_key)
    ]
    state.charging_profiles.append((connector, profile))
    capped = capped_connector(state, connector, profile)
    limit = first_limit_w(profile)
    if capped is not None and limit is not None:
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
