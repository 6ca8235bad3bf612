"""Sites, feeders and the EVSEs on them (issue: smart charging, item 1). A site has its
contracted demand (契約電力, kW: set from the highest 30-minute demand of the past year) and a
tree of feeders, each limited in kW or in A per phase; every managed EVSE hangs on one feeder
with what it can give (AC 1 or 3 phases, or DC; its rating; the least it may be given)."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from csms.records import frozen

SQRT_3: Final = Decimal(3).sqrt()  # three-phase power from the line-to-line voltage


@frozen
class FeederSpec:
    feeder_id: str
    parent_id: str | None = None
    limit_kw: Decimal | None = None
    limit_a: Decimal | None = None  # per phase
    phases: int = 3
    voltage_v: Decimal = Decimal(200)  # Japan: 200 V (line to line on three phases)

    def limit_w(self) -> Decimal | None:
        """The lower of the kW limit and the current limit as power (None: unlimited).

        Example: 3 phases, 200 V, 100 A: sqrt(3) x 200 x 100 = 34,641 W."""
        limits = []
        if self.limit_kw is not None:
            limits.append(self.limit_kw * 1000)
        if self.limit_a is not None:
            factor = SQRT_3 if self.phases == 3 else Decimal(1)
            limits.append(factor * self.voltage_v * self.limit_a)
        return min(limits) if limits else None


@frozen
class FeederMember:
    feeder_id: str
    station_id: str
    evse_id: int
    current: str = "AC"  # AC or DC
    phases: int = 1
    max_kw: Decimal = Decimal(6)
    min_kw: Decimal = Decimal(0)


@frozen
class Site:
    site_id: str
    name: str
    operator_id: str | None = None
    location: str | None = None
    contracted_kw: Decimal | None = None
    feeders: tuple[FeederSpec, ...] = ()
    members: tuple[FeederMember, ...] = ()

    def check(self) -> None:
        """One root, parents known, members on known feeders; ValueError naming the problem."""
        ids = [feeder.feeder_id for feeder in self.feeders]
        if len(set(ids)) != len(ids):
            raise ValueError("feeder ids must be unique")
        roots = [feeder for feeder in self.feeders if feeder.parent_id is None]
        if self.feeders and len(roots) != 1:
            raise ValueError("a site has exactly one root feeder (parent_id null)")
        known = set(ids)
        for feeder in self.feeders:
            if feeder.parent_id is not None and feeder.parent_id not in known:
                raise ValueError(f"feeder {feeder.feeder_id}: unknown parent {feeder.parent_id}")
        for member in self.members:
            if member.feeder_id not in known:
                raise ValueError(f"{member.station_id} EVSE {member.evse_id}: unknown feeder")
            if member.min_kw > member.max_kw:
                raise ValueError(f"{member.station_id} EVSE {member.evse_id}: min_kw > max_kw")
        keys = [(m.station_id, m.evse_id) for m in self.members]
        if len(set(keys)) != len(keys):
            raise ValueError("an EVSE hangs on one feeder only")
