"""The allocator's records: the feeder tree, each charging EVSE's demand, the grants.

Power sharing, dynamic control and boost (seed 004 第2条12-14) are decided by
:func:`csms.smart_charging.allocator.allocate` from these records; its docstring holds the
rules. Every power is in W as a ``Decimal`` (never a float); each record checks its own
values when it is made, so a record that exists is well formed. Whether the records fit
together (known feeders, one root, no cycle) is checked by the allocator.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from csms.records import frozen


def check_power(name: str, value: Decimal | None) -> None:
    """Refuse a power that is not a finite, non-negative ``Decimal`` (``None`` passes).

    Raises:
        TypeError: the value is not a ``Decimal`` (a float has no place in power).
        ValueError: the value is negative, infinite or NaN.
    """
    if value is None:
        return
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal in W, not {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative power in W, not {value}")


@frozen
class Feeder:
    """One node of a site's feeder tree: the grid connection (the root) or a cable below it.

    ``limit_w`` is already in W: for a feeder limited per phase in A the caller converts
    (e.g. 3 phases x 32 A x 200 V = 19,200 W). ``None`` means unlimited.
    """

    feeder_id: str
    parent_id: str | None
    limit_w: Decimal | None

    def __post_init__(self) -> None:
        check_power(f"feeder {self.feeder_id!r}: limit_w", self.limit_w)


@frozen
class EvseDemand:
    """One EVSE with an active transaction, as the allocator sees it.

    Attributes:
        min_w: the least it may be given once admitted (AC: 6 A x 200 V x phases; DC: a
            few kW); below that it is queued instead.
        max_w: the EVSE's rating.
        arrived_at: when its transaction started (timezone-aware); earlier arrivals are
            admitted first.
        vehicle_max_w: what the vehicle is known to take at most, if known.
        measured_w: what it recently drew; the caller passes it only when the vehicle takes
            clearly less than it was granted (dynamic control, 004 第2条13).
        boost_w: the boosted power wanted while a boost is in force (004 第2条12).
    """

    evse_key: str
    feeder_id: str
    min_w: Decimal
    max_w: Decimal
    arrived_at: datetime
    vehicle_max_w: Decimal | None = None
    measured_w: Decimal | None = None
    boost_w: Decimal | None = None

    def __post_init__(self) -> None:
        label = f"EVSE {self.evse_key!r}"
        check_power(f"{label}: min_w", self.min_w)
        check_power(f"{label}: max_w", self.max_w)
        check_power(f"{label}: vehicle_max_w", self.vehicle_max_w)
        check_power(f"{label}: measured_w", self.measured_w)
        check_power(f"{label}: boost_w", self.boost_w)
        if self.min_w > self.max_w:
            raise ValueError(f"{label}: min_w {self.min_w} exceeds max_w {self.max_w}")
        if self.arrived_at.utcoffset() is None:
            raise ValueError(f"{label}: arrived_at must be timezone-aware")


@frozen
class Grant:
    """The limit given to one EVSE: whole W; 0 with ``queued`` when it was not admitted.

    ``boosted`` is true only when the EVSE received its full boost.
    """

    limit_w: Decimal
    queued: bool
    boosted: bool


@frozen
class Allocation:
    """One grant per EVSE (by ``evse_key``) and the sum of grants below each feeder."""

    grants: dict[str, Grant]
    feeder_load_w: dict[str, Decimal]
