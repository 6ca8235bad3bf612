"""Power sharing and dynamic control in operation (seed 004 第2条12-14): a site's EVSEs share
its feeders by the allocator's grants, pushed as TxProfiles.

A recomputation reads, for each session charging on the site, what its EVSE can give, when
it arrived, what it recently drew and any boost in force; the 30-minute demand guard lowers
the site's cap when the current interval is heading over the contracted demand; the grants
are sent as one TxProfile per transaction (one stable id per EVSE, so a new limit replaces
the last; in W, or in A where the station takes only A) only when they change, and each
station gets a TxDefaultProfile of a safe share first (what it keeps if it loses the
central system). A vehicle taking clearly less than its grant has its ceiling lowered to
what it takes (its spare goes to the others); one drawing clearly more than its limit after
an Accepted profile is recorded (``ChargingProfileIgnored``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from csms.clock import Clock
from csms.errors import CsmsError
from csms.events import ChargingProfileIgnored
from csms.ports import UnitOfWorkProvider
from csms.records import frozen
from csms.smart_charging.allocation import Allocation, EvseDemand, Feeder
from csms.smart_charging.allocator import allocate, whole_down
from csms.smart_charging.demand import interval_demand_kw, interval_start, site_cap_w
from csms.smart_charging.sites import FeederMember, Site
from csms.smart_charging.sites_ports import SitesUnitOfWork
from csms.station_commands.ports import StationGateway
from csms.station_commands.profiles import (
    ChargingProfileSpec,
    ChargingSchedule,
    SchedulePeriod,
    SetChargingProfile,
)

TX_PROFILE_IDS: Final = 2_000_000_000  # + EVSE id: the allocator's TxProfile of that EVSE
DEFAULT_PROFILE_ID: Final = 1_999_999_999  # the station's TxDefaultProfile (a safe share)
STACK_LEVEL: Final = 1  # low: stations that take only a few stack levels still take it
TAKES_LESS: Final = Decimal("0.9")  # measured below 90 % of the grant: the vehicle's ceiling
IGNORED: Final = Decimal("1.1")  # measured above 110 % of the limit (+ 500 W): not applied
SLACK_W: Final = Decimal(500)


@frozen
class SiteSnapshot:
    """A site at its last recomputation: what was granted, what was measured, and the
    current 30-minute interval's demand so far (kW, energy x 2)."""

    granted_w: Decimal
    measured_w: Decimal
    interval_demand_kw: Decimal


@frozen
class Pushed:
    """What was last sent to one EVSE's transaction."""

    transaction_id: str
    limit_w: Decimal
    accepted: bool
    at: datetime  # when it was sent: only a reading taken after it says what the vehicle takes


def feeders_of(site: Site) -> list[Feeder]:
    return [Feeder(f.feeder_id, f.parent_id, f.limit_w()) for f in site.feeders]


def demand_of(member: FeederMember, row: dict[str, Any], last: Pushed | None) -> EvseDemand:
    """One charging EVSE as the allocator sees it."""
    measured = Decimal(row["measured_w"]) if row.get("measured_w") is not None else None
    read_at = row.get("measured_at")
    takes_less = False
    if last is not None and measured is not None and read_at is not None:
        # a reading taken after the limit was sent, clearly below it
        takes_less = read_at > last.at and measured < last.limit_w * TAKES_LESS
    boost = Decimal(row["boost_kw"]) * 1000 if row.get("boost_kw") is not None else None
    return EvseDemand(
        evse_key=f"{member.station_id}/{member.evse_id}",
        feeder_id=member.feeder_id,
        min_w=member.min_kw * 1000,
        max_w=member.max_kw * 1000,
        arrived_at=row["started_at"],
        measured_w=measured if takes_less else None,
        boost_w=boost,
    )


def interval_energy_wh(rows: list[dict[str, Any]]) -> Decimal:
    """Energy drawn on the site since the demand interval began (its charging sessions)."""
    total = Decimal(0)
    for row in rows:
        now, then = row.get("register_wh"), row.get("register_at_interval_wh")
        if now is not None and then is not None and now >= then:
            total += Decimal(now) - Decimal(then)
    return total


def _snapshot(allocation: Allocation, rows: list[dict[str, Any]]) -> SiteSnapshot:
    granted = sum((grant.limit_w for grant in allocation.grants.values()), Decimal(0))
    measured = sum(
        (Decimal(r["measured_w"]) for r in rows if r.get("measured_w") is not None), Decimal(0)
    )
    return SiteSnapshot(granted, measured, interval_demand_kw(interval_energy_wh(rows)))


def tx_profile(member: FeederMember, transaction_id: str, limit_w: Decimal) -> SetChargingProfile:
    """The allocator's TxProfile of one EVSE's transaction (W, from the transaction's start)."""
    watts = whole_down(limit_w)
    schedule = ChargingSchedule("W", (SchedulePeriod(0, watts),))
    profile = ChargingProfileSpec(
        TX_PROFILE_IDS + member.evse_id,
        "TxProfile",
        STACK_LEVEL,
        "Relative",
        schedule,
        transaction_id=transaction_id,
    )
    return SetChargingProfile(member.evse_id, profile)


def default_profile(site: Site, station_id: str) -> SetChargingProfile:
    """A TxDefaultProfile of the station's safe share: the root limit split over all EVSEs."""
    root = next((f for f in site.feeders if f.parent_id is None), None)
    limit = root.limit_w() if root is not None else None
    members = [m for m in site.members if m.station_id == station_id]
    if limit is None or not site.members:
        share = max((m.max_kw for m in members), default=Decimal(0)) * 1000
    else:
        share = limit / len(site.members)
    schedule = ChargingSchedule("W", (SchedulePeriod(0, whole_down(share)),))
    profile = ChargingProfileSpec(DEFAULT_PROFILE_ID, "TxDefaultProfile", 0, "Relative", schedule)
    return SetChargingProfile(0, profile)


class PowerSharing:
    def __init__(
        self, uow: UnitOfWorkProvider[SitesUnitOfWork], gateway: StationGateway, clock: Clock
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._pushed: dict[tuple[str, int], Pushed] = {}
        self._defaults: set[str] = set()
        self._flagged: set[tuple[str, int, str]] = set()  # once per transaction
        self.snapshots: dict[str, SiteSnapshot] = {}  # for the per-site metrics

    async def recompute_all(self) -> int:
        """Every site with a session charging; returns how many were recomputed."""
        async with self._uow() as uow:
            site_ids = await uow.sites.sites_charging()
        for site_id in site_ids:
            await self.recompute(site_id)
        return len(site_ids)

    async def recompute(self, site_id: str) -> Allocation | None:
        now = self._clock.now()
        async with self._uow() as uow:
            site = await uow.sites.get(site_id, None)
            rows = await uow.sites.charging(site_id, now, interval_start(now))
        if site is None:
            return None
        members = {(m.station_id, m.evse_id): m for m in site.members}
        charging = [(members[(r["station_id"], r["evse_id"])], r) for r in rows]
        demands = [
            demand_of(m, r, self._pushed.get((m.station_id, m.evse_id))) for m, r in charging
        ]
        cap = None
        if site.contracted_kw is not None:
            cap = site_cap_w(site.contracted_kw, interval_energy_wh(rows), now)
        allocation = allocate(feeders_of(site), demands, site_cap_w=cap)
        self.snapshots[site_id] = _snapshot(allocation, rows)
        await self._flag_ignored(charging)
        for member, row in charging:
            grant = allocation.grants[f"{member.station_id}/{member.evse_id}"]
            await self._push(site, member, row["transaction_id"], grant.limit_w)
        return allocation

    async def _push(
        self, site: Site, member: FeederMember, transaction_id: str, limit_w: Decimal
    ) -> None:
        key = (member.station_id, member.evse_id)
        last = self._pushed.get(key)
        if last is not None and last.transaction_id == transaction_id and last.limit_w == limit_w:
            return
        station_id = member.station_id
        if station_id not in self._defaults and await self._send(
            station_id, default_profile(site, station_id)
        ):
            self._defaults.add(station_id)
        accepted = await self._send(member.station_id, tx_profile(member, transaction_id, limit_w))
        self._pushed[key] = Pushed(transaction_id, limit_w, accepted, self._clock.now())

    async def _send(self, station_id: str, command: SetChargingProfile) -> bool:
        try:
            result = await self._gateway.send(station_id, command)
        except CsmsError:
            return False
        return result.status == "Accepted"

    async def _flag_ignored(self, charging: list[tuple[FeederMember, dict[str, Any]]]) -> None:
        """A station drawing clearly more than an Accepted limit did not apply it."""
        for member, row in charging:
            last = self._pushed.get((member.station_id, member.evse_id))
            measured = row.get("measured_w")
            if last is None or not last.accepted or measured is None:
                continue
            measured_at = row.get("measured_at")
            if last.transaction_id != row["transaction_id"] or measured_at is None:
                continue
            if measured_at <= last.at:  # read before the limit was sent
                continue
            flag = (member.station_id, member.evse_id, last.transaction_id)
            if flag in self._flagged:
                continue
            if Decimal(measured) > last.limit_w * IGNORED + SLACK_W:
                self._flagged.add(flag)
                async with self._uow() as uow:
                    uow.record(
                        ChargingProfileIgnored(
                            member.station_id,
                            evse_id=member.evse_id,
                            limit_w=str(last.limit_w),
                            measured_w=str(Decimal(measured)),
                        )
                    )

    def forget(self, station_id: str) -> None:
        """The station reconnected: its profiles are sent again."""
        self._defaults.discard(station_id)
        for key in [k for k in self._pushed if k[0] == station_id]:
            del self._pushed[key]
