"""Charging profiles in one version-neutral shape (OCPP 1.6 §3.13 Smart Charging, §5.16,
§5.5, §5.7; 2.0.1 K01, K08, K10). Each version's mapping spells them: 1.6 says
ChargePointMaxProfile where 2.0.1 says ChargingStationMaxProfile (either name is accepted),
1.6 transaction ids are integers, 2.0.1 schedules are a list.

Limits are exact ``Decimal`` in the schedule's unit (A per phase, or W); both versions allow
at most one decimal (1.6 multipleOf 0.1, 2.0.1 "at most one digit fraction").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final

from csms.records import frozen

STATION_MAX: Final = "ChargingStationMaxProfile"  # 1.6: ChargePointMaxProfile
PURPOSES: Final = frozenset(
    {"TxDefaultProfile", "TxProfile", "ChargePointMaxProfile", "ChargingStationMaxProfile"}
)
KINDS: Final = frozenset({"Absolute", "Recurring", "Relative"})
UNITS: Final = frozenset({"A", "W"})


@frozen
class SchedulePeriod:
    start_s: int
    limit: Decimal
    phases: int | None = None


@frozen
class ChargingSchedule:
    unit: str
    periods: tuple[SchedulePeriod, ...]
    start: datetime | None = None
    duration_s: int | None = None
    min_rate: Decimal | None = None


@frozen
class ChargingProfileSpec:
    """One profile; ``transaction_id`` binds a TxProfile to the station's transaction."""

    profile_id: int
    purpose: str
    stack_level: int
    kind: str
    schedule: ChargingSchedule
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None


@frozen
class SetChargingProfile:
    """1.6 SetChargingProfile (§5.16) / 2.0.1 SetChargingProfile (K01); EVSE 0: the station."""

    evse_id: int
    profile: ChargingProfileSpec


@frozen
class ClearChargingProfile:
    """1.6 ClearChargingProfile (§5.5) / 2.0.1 (K10): by id, else by the criteria given."""

    profile_id: int | None = None
    evse_id: int | None = None
    purpose: str | None = None
    stack_level: int | None = None


@frozen
class GetCompositeSchedule:
    """1.6 GetCompositeSchedule (§5.7) / 2.0.1 (K08); EVSE 0: the grid connection."""

    evse_id: int
    duration_s: int
    unit: str | None = None


def tx_limit(
    evse_id: int, transaction_id: str, profile_id: int, limit: int, unit: str
) -> SetChargingProfile:
    """A TxProfile with one limit from the transaction's start on (Relative, stack level 0)."""
    schedule = ChargingSchedule(unit, (SchedulePeriod(0, Decimal(limit)),))
    profile = ChargingProfileSpec(
        profile_id, "TxProfile", 0, "Relative", schedule, transaction_id=transaction_id
    )
    return SetChargingProfile(evse_id, profile)
