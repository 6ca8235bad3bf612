"""The allocator: one power limit per charging EVSE within every feeder's limit (pure).

Power sharing, dynamic control and boost as seed 004 第2条12-14 names them, over a
site's feeder tree. No I/O; same input, same output. The rules, in the order applied:

1. **Whole watts.** Limits and ceilings are rounded down to the watt, minimums up (an
   admitted EVSE is never below its ``min_w``), so every grant is a whole W and the
   rounding never lets a sum pass a limit. Only where ``min_w`` and ``max_w`` lie inside
   the same watt (e.g. both 1380.5) does the minimum become ``max_w`` rounded down.
2. **Never exceed.** For every feeder the grants below it sum to at most its limit; the
   root's limit is further lowered to ``site_cap_w`` when given (the demand guard).
3. **Admission by arrival.** An EVSE gets at least its minimum or is queued (0 W). While
   the minimums do not fit under some feeder, the latest arrival (then the greatest
   ``evse_key``) beneath an overloaded feeder is queued; so a new arrival never queues one
   admitted before it, and at one feeder an earlier arrival is never queued while a later
   one is admitted (first come, first served).
4. **Ceiling (dynamic control, 第2条13).** Each EVSE's ceiling is the least of ``max_w``,
   ``vehicle_max_w`` and, when the caller passes ``measured_w``, ``measured_w`` x 1.1
   rounded up to the watt: the vehicle is taking less than it was given, so it is given
   what it takes plus 10 % to climb into, and the rest goes to others. The caller decides
   when a reading is clearly below the grant; this module only applies it. A ceiling below
   the minimum gives the minimum.
5. **Boost (第2条12).** Boosted EVSEs, earliest arrival first, are raised to their boost
   target, ``boost_w`` capped by ``max_w`` and ``vehicle_max_w`` (not by ``measured_w``: a
   boost asks for more than is drawn now), when every feeder on their path allows it with
   every other admitted EVSE at its minimum; ``boosted`` is set on that grant. If not, the
   EVSE is raised as far as its feeders allow (others at their minimum), which is never
   less than its fair share. The boost is a floor: if the fair share is higher, it gets that.
6. **Fair share (power sharing, 第2条14).** Above the minimums, capacity is shared by
   max-min water-filling: every EVSE's extra above its minimum rises at one common level,
   each stopping at its ceiling (a boosted EVSE waits at its boost until the level passes
   it); when a feeder is full, the EVSEs beneath it stop, so a feeder's spare goes only to
   EVSEs beneath it, and what one EVSE cannot take goes to the others. The level moves in
   whole watts; the remainder of a full feeder, under one watt per EVSE, stays unused.
7. **Validation.** An unknown or repeated feeder, no root or two, a cycle, a repeated EVSE,
   or a bad power (see :mod:`csms.smart_charging.allocation`) raises ``ValueError``.

Example (the issue's site): root 50 kW; DC1, DC2 50 kW (min 5 kW); AC1-4 6 kW (min 1.2 kW).
Minimums 14.8 kW fit; at a level of 4.8 kW each AC reaches 6 kW (43.6 kW in all); the DCs
rise on to 13 kW each, the root is full: 2 x 13 + 4 x 6 = 50 kW.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Final

from csms.records import frozen
from csms.smart_charging.allocation import Allocation, EvseDemand, Feeder, Grant, check_power

WATT: Final = Decimal(1)
DYNAMIC_HEADROOM: Final = Decimal("1.1")
ZERO: Final = Decimal(0)


def allocate(
    feeders: Sequence[Feeder], demands: Sequence[EvseDemand], *, site_cap_w: Decimal | None = None
) -> Allocation:
    """One grant per EVSE by the rules above; ``site_cap_w`` lowers the root's limit.

    Raises:
        ValueError: the feeders do not form one tree or an EVSE names an unknown feeder.
    """
    check_power("site_cap_w", site_cap_w)
    tree = _FeederTree(feeders, site_cap_w)
    evses = _evses(demands, tree)
    admitted = _admit(evses, tree)
    floors = _boost_floors(admitted, tree)
    limits = _Filling(admitted, floors, tree).run()
    grants = {
        e.key: _grant(e, limits.get(e.key), floors.get(e.key))
        for e in sorted(evses, key=lambda e: e.key)
    }
    loads = tree.loads(evses, {key: grant.limit_w for key, grant in grants.items()})
    return Allocation(grants=grants, feeder_load_w=loads)


def whole_down(power_w: Decimal) -> Decimal:
    """Power rounded down to the watt: 1380.9 W gives 1380 W."""
    return power_w.quantize(WATT, rounding=ROUND_DOWN)


def whole_up(power_w: Decimal) -> Decimal:
    """Power rounded up to the watt: 1380.1 W gives 1381 W."""
    return power_w.quantize(WATT, rounding=ROUND_CEILING)


def ceiling_w(demand: EvseDemand) -> Decimal:
    """The least of max_w, vehicle_max_w and measured_w x 1.1 (rounded up), in whole W."""
    bounds = [demand.max_w, demand.vehicle_max_w]
    if demand.measured_w is not None:
        bounds.append(whole_up(demand.measured_w * DYNAMIC_HEADROOM))
    return whole_down(min(b for b in bounds if b is not None))


def boost_target_w(demand: EvseDemand) -> Decimal | None:
    """boost_w capped by max_w and vehicle_max_w, in whole W; None without a boost."""
    if demand.boost_w is None:
        return None
    bounds = (demand.boost_w, demand.max_w, demand.vehicle_max_w)
    return whole_down(min(b for b in bounds if b is not None))


@frozen
class _Evse:
    """An EVSE in whole watts with the feeders from its own up to the root."""

    key: str
    path: tuple[str, ...]
    minimum: Decimal
    ceiling: Decimal
    boost: Decimal | None


class _FeederTree:
    """The validated tree: each feeder's limit in whole W and its path to the root."""

    def __init__(self, feeders: Sequence[Feeder], site_cap_w: Decimal | None) -> None:
        by_id = {f.feeder_id: f for f in feeders}
        if len(by_id) != len(feeders):
            raise ValueError("a feeder_id appears twice in the feeder tree")
        roots = sorted(f.feeder_id for f in feeders if f.parent_id is None)
        if len(roots) != 1:
            raise ValueError(f"the feeder tree needs exactly one root, found {roots}")
        self.paths = {fid: _path_to_root(fid, by_id) for fid in sorted(by_id)}
        limits = {fid: by_id[fid].limit_w for fid in self.paths}
        self.limits = {f: None if w is None else whole_down(w) for f, w in limits.items()}
        root = roots[0]
        if site_cap_w is not None:
            root_limit = self.limits[root]
            cap = whole_down(site_cap_w)
            self.limits[root] = cap if root_limit is None else min(root_limit, cap)

    def path(self, feeder_id: str, evse_key: str) -> tuple[str, ...]:
        """The feeders above an EVSE, its own first; an unknown feeder is refused."""
        if feeder_id not in self.paths:
            raise ValueError(f"EVSE {evse_key!r} names an unknown feeder {feeder_id!r}")
        return self.paths[feeder_id]

    def loads(self, evses: Iterable[_Evse], power: Mapping[str, Decimal]) -> dict[str, Decimal]:
        """The sum of ``power`` (by EVSE key; absent is 0) below each feeder."""
        loads = dict.fromkeys(self.paths, ZERO)
        for evse in evses:
            for feeder_id in evse.path:
                loads[feeder_id] += power.get(evse.key, ZERO)
        return loads

    def overloaded(self, loads: Mapping[str, Decimal]) -> set[str]:
        """The feeders whose load is over their limit."""
        return {f for f, limit in self.limits.items() if limit is not None and loads[f] > limit}

    def headroom(self, path: Sequence[str], loads: Mapping[str, Decimal]) -> Decimal | None:
        """What every feeder on ``path`` can still take (None when all are unlimited)."""
        spare = [limit - loads[f] for f in path if (limit := self.limits[f]) is not None]
        return min(spare) if spare else None


def _path_to_root(feeder_id: str, by_id: Mapping[str, Feeder]) -> tuple[str, ...]:
    path = [feeder_id]
    parent = by_id[feeder_id].parent_id
    while parent is not None:
        if parent not in by_id:
            raise ValueError(f"feeder {path[-1]!r} names an unknown parent {parent!r}")
        if parent in path:
            raise ValueError(f"the feeders {sorted(path)} form a cycle")
        path.append(parent)
        parent = by_id[parent].parent_id
    return tuple(path)


def _evses(demands: Sequence[EvseDemand], tree: _FeederTree) -> list[_Evse]:
    """The demands in whole watts, in arrival order (ties by evse_key)."""
    if len({d.evse_key for d in demands}) != len(demands):
        raise ValueError("an evse_key appears twice in the demands")
    evses = []
    for d in sorted(demands, key=lambda d: (d.arrived_at, d.evse_key)):
        minimum = min(whole_up(d.min_w), whole_down(d.max_w))
        boost = boost_target_w(d)
        evses.append(
            _Evse(
                key=d.evse_key,
                path=tree.path(d.feeder_id, d.evse_key),
                minimum=minimum,
                ceiling=max(minimum, ceiling_w(d)),
                boost=None if boost is None else max(minimum, boost),
            )
        )
    return evses


def _admit(evses: Sequence[_Evse], tree: _FeederTree) -> list[_Evse]:
    """Queue the latest arrival beneath an overloaded feeder until the minimums fit."""
    admitted = list(evses)
    while True:
        minimums = {e.key: e.minimum for e in admitted}
        over = tree.overloaded(tree.loads(admitted, minimums))
        if not over:
            return admitted
        latest = next(e for e in reversed(admitted) if over.intersection(e.path))
        admitted.remove(latest)


def _boost_floors(admitted: Sequence[_Evse], tree: _FeederTree) -> dict[str, Decimal]:
    """Each admitted EVSE's floor: its minimum, or as much of its boost as fits."""
    floors = {e.key: e.minimum for e in admitted}
    for evse in admitted:
        if evse.boost is None:
            continue
        wanted = evse.boost - evse.minimum
        headroom = tree.headroom(evse.path, tree.loads(admitted, floors))
        floors[evse.key] += wanted if headroom is None else min(wanted, headroom)
    return floors


def _grant(evse: _Evse, limit_w: Decimal | None, floor_w: Decimal | None) -> Grant:
    if limit_w is None:
        return Grant(limit_w=ZERO, queued=True, boosted=False)
    boosted = evse.boost is not None and floor_w == evse.boost
    return Grant(limit_w=limit_w, queued=False, boosted=boosted)


class _Filling:
    """Max-min water-filling: every EVSE's extra above its minimum rises at one level.

    An EVSE's extra is the level clamped to its band: from its floor (0, or its boost above
    its minimum) to its ceiling. It stops (is fixed) at its ceiling or when a feeder above
    it cannot give one more watt to each EVSE rising beneath it.
    """

    def __init__(
        self, admitted: Sequence[_Evse], floors: Mapping[str, Decimal], tree: _FeederTree
    ) -> None:
        self._evses = list(admitted)
        self._tree = tree
        self._bands = {
            e.key: (floors[e.key] - e.minimum, max(e.ceiling, floors[e.key]) - e.minimum)
            for e in admitted
        }
        self._level = ZERO
        self._fixed: dict[str, Decimal] = {}

    def run(self) -> dict[str, Decimal]:
        """The limit of every admitted EVSE, by key."""
        self._fix_stopped()
        while len(self._fixed) < len(self._evses):
            self._level = self._next_level()
            self._fix_stopped()
        return self._fixed

    def _power(self, evse: _Evse) -> Decimal:
        if evse.key in self._fixed:
            return self._fixed[evse.key]
        low, high = self._bands[evse.key]
        return evse.minimum + min(max(self._level, low), high)

    def _rising(self) -> list[_Evse]:
        """The EVSEs not fixed whose power grows with the level right now."""
        free = [e for e in self._evses if e.key not in self._fixed]
        return [e for e in free if self._bands[e.key][0] <= self._level]

    def _next_level(self) -> Decimal:
        """The next level where an EVSE starts or stops rising or a feeder fills up."""
        waiting = [e for e in self._evses if e.key not in self._fixed]
        edges = [b for e in waiting for b in self._bands[e.key] if b > self._level]
        loads = self._tree.loads(self._evses, {e.key: self._power(e) for e in self._evses})
        for feeder_id, count in _count_beneath(self._rising()).items():
            limit = self._tree.limits[feeder_id]
            if limit is not None:
                # Both sides are whole, non-negative watts: // is the exact floor here.
                edges.append(self._level + (limit - loads[feeder_id]) // count)
        return min(edges)

    def _fix_stopped(self) -> None:
        """Fix the EVSEs at their ceiling and those beneath a feeder that is full."""
        loads = self._tree.loads(self._evses, {e.key: self._power(e) for e in self._evses})
        rising = self._rising()
        full = {
            feeder_id
            for feeder_id, count in _count_beneath(rising).items()
            if (limit := self._tree.limits[feeder_id]) is not None
            and limit - loads[feeder_id] < count
        }
        for evse in self._evses:
            if evse.key in self._fixed:
                continue
            if self._bands[evse.key][1] <= self._level or full.intersection(evse.path):
                self._fixed[evse.key] = self._power(evse)


def _count_beneath(evses: Iterable[_Evse]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for evse in evses:
        for feeder_id in evse.path:
            counts[feeder_id] = counts.get(feeder_id, 0) + 1
    return counts
