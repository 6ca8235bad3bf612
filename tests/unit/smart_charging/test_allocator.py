"""The allocator (issue 15 item 3; seed 004 第2条12-14): worked examples and properties."""

from __future__ import annotations

import dataclasses
import decimal
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from csms.smart_charging.allocation import Allocation, EvseDemand, Feeder, Grant
from csms.smart_charging.allocator import allocate

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
KW = Decimal(1000)
SITE = [Feeder("site", None, 50 * KW)]


@pytest.fixture(autouse=True)
def _trap_floats() -> Iterator[None]:
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        yield


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def issue_site(feeder_of: dict[str, str] | None = None) -> list[EvseDemand]:
    """Two DC 50 kW EVSEs (min 5 kW) and four AC 6 kW (min 6 A x 200 V), in that order."""
    where = feeder_of or {}
    dc = [
        EvseDemand(k, where.get(k, "site"), 5 * KW, 50 * KW, at(i))
        for i, k in enumerate(["DC1", "DC2"])
    ]
    ac = [
        EvseDemand(f"AC{i}", where.get(f"AC{i}", "site"), Decimal(1200), 6 * KW, at(1 + i))
        for i in range(1, 5)
    ]
    return dc + ac


def with_field(demands: list[EvseDemand], key: str, **changes: Decimal) -> list[EvseDemand]:
    """The demands with ``changes`` made to the one named ``key``."""
    changed = (dataclasses.replace(d, **changes) for d in demands)  # type: ignore[arg-type]
    return [new if old.evse_key == key else old for old, new in zip(demands, changed, strict=True)]


def limits(allocation: Allocation) -> dict[str, Decimal]:
    return {key: grant.limit_w for key, grant in allocation.grants.items()}


# Worked examples ------------------------------------------------------------------------


def test_all_six_share_50_kw_acs_at_their_rating_dcs_equal() -> None:
    """Issue site: nobody queued, AC at 6 kW, the DCs share the remaining 26 kW equally."""
    allocation = allocate(SITE, issue_site())
    assert limits(allocation) == {
        "AC1": 6 * KW, "AC2": 6 * KW, "AC3": 6 * KW, "AC4": 6 * KW,
        "DC1": 13 * KW, "DC2": 13 * KW,
    }  # fmt: skip
    assert not any(g.queued or g.boosted for g in allocation.grants.values())
    assert allocation.feeder_load_w == {"site": 50 * KW}


def test_a_vehicle_taking_2_kw_leaves_its_spare_to_the_others() -> None:
    """Dynamic control: AC1 measured at 2 kW gets 2.2 kW; the DCs share the 3.8 kW freed."""
    allocation = allocate(SITE, with_field(issue_site(), "AC1", measured_w=2 * KW))
    assert limits(allocation)["AC1"] == Decimal(2200)
    assert limits(allocation)["DC1"] == limits(allocation)["DC2"] == Decimal(14900)
    assert allocation.feeder_load_w["site"] == 50 * KW


def test_measured_headroom_is_rounded_up_to_the_watt() -> None:
    """measured_w x 1.1 is rounded up: 1999.5 W gives a ceiling of 2200 W (2199.45 up)."""
    allocation = allocate(SITE, with_field(issue_site(), "AC1", measured_w=Decimal("1999.5")))
    assert limits(allocation)["AC1"] == Decimal(2200)


def test_a_dc_vehicle_drawing_below_its_minimum_keeps_the_minimum() -> None:
    """A ceiling below min_w still gives min_w: DC1 measured at 2 kW gets 5 kW, DC2 21 kW."""
    allocation = allocate(SITE, with_field(issue_site(), "DC1", measured_w=2 * KW))
    assert limits(allocation)["DC1"] == 5 * KW
    assert limits(allocation)["DC2"] == 21 * KW


def test_a_known_vehicle_maximum_caps_its_share() -> None:
    """DC2's vehicle takes 8 kW at most; DC1 gets the rest of the 26 kW."""
    allocation = allocate(SITE, with_field(issue_site(), "DC2", vehicle_max_w=8 * KW))
    assert limits(allocation)["DC2"] == 8 * KW
    assert limits(allocation)["DC1"] == 18 * KW


def test_a_boost_is_given_and_the_others_yield() -> None:
    """Boost 40 kW on DC1: it gets 40 kW; the others share the 0.2 kW above their minimums."""
    allocation = allocate(SITE, with_field(issue_site(), "DC1", boost_w=40 * KW))
    assert allocation.grants["DC1"].limit_w == 40 * KW
    assert allocation.grants["DC1"].boosted
    assert limits(allocation)["DC2"] == Decimal(5040)
    assert {limits(allocation)[f"AC{i}"] for i in range(1, 5)} == {Decimal(1240)}


def test_a_boost_that_does_not_fit_takes_all_the_feeder_allows() -> None:
    """Boost 48 kW cannot fit with the others at 9.8 kW: DC1 gets 40.2 kW, not flagged."""
    allocation = allocate(SITE, with_field(issue_site(), "DC1", boost_w=48 * KW))
    assert allocation.grants["DC1"].limit_w == Decimal(40200)
    assert not allocation.grants["DC1"].boosted
    assert limits(allocation)["DC2"] == 5 * KW
    assert allocation.feeder_load_w["site"] == 50 * KW


def test_a_boost_is_capped_by_the_evse_rating() -> None:
    """Boost 80 kW on a 50 kW EVSE asks for 50 kW: a 100 kW root gives all of it, flagged."""
    demands = with_field(issue_site(), "DC1", boost_w=80 * KW)
    big = allocate([Feeder("site", None, 100 * KW)], demands).grants["DC1"]
    assert (big.limit_w, big.boosted) == (50 * KW, True)


def test_a_boost_is_capped_by_what_the_vehicle_takes_not_by_what_it_draws_now() -> None:
    """vehicle_max_w 30 kW caps a 40 kW boost at 30 kW; measured_w 2 kW does not cap it."""
    demands = with_field(issue_site(), "DC1", boost_w=40 * KW, vehicle_max_w=30 * KW)
    allocation = allocate(SITE, with_field(demands, "DC1", measured_w=2 * KW))
    assert allocation.grants["DC1"] == Grant(limit_w=30 * KW, queued=False, boosted=True)


def test_a_boost_below_the_fair_share_keeps_the_fair_share() -> None:
    """The boost is a floor: boost 10 kW when the fair share is 13 kW still gives 13 kW."""
    allocation = allocate(SITE, with_field(issue_site(), "DC1", boost_w=10 * KW))
    assert allocation.grants["DC1"].limit_w == 13 * KW
    assert allocation.grants["DC1"].boosted


def test_a_dc_feeder_of_20_kw_keeps_its_evses_under_it() -> None:
    """DCs on their own 20 kW feeder get 10 kW each; the root's 6 kW spare cannot reach them."""
    feeders = [*SITE, Feeder("dc", "site", 20 * KW)]
    allocation = allocate(feeders, issue_site({"DC1": "dc", "DC2": "dc"}))
    assert limits(allocation)["DC1"] == limits(allocation)["DC2"] == 10 * KW
    assert allocation.feeder_load_w == {"dc": 20 * KW, "site": 44 * KW}


def test_an_ac_feeder_of_20_kw_sends_the_rest_to_the_dcs() -> None:
    """ACs on a 20 kW feeder get 5 kW each; the DCs share the root's other 30 kW."""
    feeders = [*SITE, Feeder("ac", "site", 20 * KW)]
    allocation = allocate(feeders, issue_site({f"AC{i}": "ac" for i in range(1, 5)}))
    assert {limits(allocation)[f"AC{i}"] for i in range(1, 5)} == {5 * KW}
    assert limits(allocation)["DC1"] == limits(allocation)["DC2"] == 15 * KW


def test_minimums_that_do_not_fit_queue_the_latest_arrivals() -> None:
    """A 12 kW site cap: DC1, DC2 and AC1 (11.2 kW of minimums) run; AC2-AC4 wait."""
    allocation = allocate(SITE, issue_site(), site_cap_w=12 * KW)
    assert [k for k, g in allocation.grants.items() if g.queued] == ["AC2", "AC3", "AC4"]
    assert all(allocation.grants[k].limit_w == 0 for k in ("AC2", "AC3", "AC4"))
    assert limits(allocation)["DC1"] == Decimal(5266)  # 800 W / 3, rounded down
    assert allocation.feeder_load_w["site"] == Decimal(11998)


def test_a_late_dc_is_queued_not_an_earlier_ac() -> None:
    """First come, first served: the DC arriving last waits, though ACs need less each."""
    demands = [EvseDemand(f"AC{i}", "site", Decimal(1200), 6 * KW, at(i)) for i in range(4)] + [
        EvseDemand("DC1", "site", 5 * KW, 50 * KW, at(5)),
        EvseDemand("DC2", "site", 5 * KW, 50 * KW, at(6)),
    ]
    allocation = allocate([Feeder("site", None, 12 * KW)], demands)
    assert [k for k, g in allocation.grants.items() if g.queued] == ["DC2"]


def test_arrival_ties_are_broken_by_evse_key() -> None:
    """Two arriving at the same instant: the greater evse_key is queued."""
    demands = [EvseDemand(k, "site", 5 * KW, 50 * KW, T0) for k in ("B", "A")]
    allocation = allocate([Feeder("site", None, 8 * KW)], demands)
    assert allocation.grants["B"].queued
    assert allocation.grants["A"].limit_w == 8 * KW


def test_grants_are_whole_watts_rounded_down() -> None:
    """10,000.9 W among three: 3,333 W each, 1.9 W unused."""
    demands = [EvseDemand(k, "site", Decimal(0), 50 * KW, T0) for k in "ABC"]
    allocation = allocate([Feeder("site", None, Decimal("10000.9"))], demands)
    assert set(limits(allocation).values()) == {Decimal(3333)}
    assert all(g.limit_w.as_tuple().exponent == 0 for g in allocation.grants.values())


def test_a_fractional_minimum_is_rounded_up() -> None:
    """min 1380.5 W needs 1381 W: a 1380.9 W feeder cannot admit it, 2000.7 W gives 2000 W."""
    demand = [EvseDemand("A", "site", Decimal("1380.5"), 6 * KW, T0)]
    assert allocate([Feeder("site", None, Decimal("1380.9"))], demand).grants["A"].queued
    assert allocate([Feeder("site", None, Decimal("2000.7"))], demand).grants["A"].limit_w == 2000


def test_an_unlimited_tree_gives_every_ceiling() -> None:
    """No limit anywhere: every EVSE gets its ceiling."""
    allocation = allocate([Feeder("site", None, None)], issue_site())
    assert limits(allocation)["DC1"] == 50 * KW
    assert limits(allocation)["AC4"] == 6 * KW


def test_no_demand_gives_an_empty_allocation() -> None:
    """No active transaction: no grant, every feeder at 0 W."""
    feeders = [*SITE, Feeder("ac", "site", None)]
    assert allocate(feeders, []) == Allocation(
        grants={}, feeder_load_w={"ac": Decimal(0), "site": Decimal(0)}
    )


@pytest.mark.parametrize(
    ("feeders", "demands", "message"),
    [
        (SITE, [EvseDemand("A", "nowhere", Decimal(0), KW, T0)], "unknown feeder"),
        ([*SITE, Feeder("other", None, None)], [], "exactly one root"),
        ([Feeder("a", "b", None), Feeder("b", "a", None)], [], "exactly one root"),
        ([*SITE, Feeder("a", "b", None), Feeder("b", "a", None)], [], "cycle"),
        ([*SITE, Feeder("a", "a", None)], [], "cycle"),
        ([*SITE, Feeder("a", "ghost", None)], [], "unknown parent"),
        ([*SITE, *SITE], [], "feeder_id appears twice"),
        (SITE, [EvseDemand("A", "site", Decimal(0), KW, T0)] * 2, "evse_key appears twice"),
    ],
)
def test_a_malformed_site_is_refused(
    feeders: list[Feeder], demands: list[EvseDemand], message: str
) -> None:
    """A tree that is not one tree, or an EVSE off it, raises ValueError naming the fault."""
    with pytest.raises(ValueError, match=message):
        allocate(feeders, demands)


def test_bad_powers_are_refused_when_the_record_is_made() -> None:
    """min > max, a negative value, a naive arrival, a negative site cap, a float."""
    with pytest.raises(ValueError, match="exceeds max_w"):
        EvseDemand("A", "site", 2 * KW, KW, T0)
    with pytest.raises(ValueError, match="boost_w"):
        EvseDemand("A", "site", Decimal(0), KW, T0, boost_w=Decimal(-1))
    with pytest.raises(ValueError, match="limit_w"):
        Feeder("site", None, Decimal(-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        EvseDemand("A", "site", Decimal(0), KW, datetime(2025, 7, 1))
    with pytest.raises(ValueError, match="site_cap_w"):
        allocate(SITE, [], site_cap_w=Decimal(-5))
    with pytest.raises(ValueError, match="limit_w"):
        Feeder("site", None, Decimal("NaN"))
    with pytest.raises(TypeError, match="Decimal"):
        Feeder("site", None, 5.0)  # type: ignore[arg-type]


# Properties -----------------------------------------------------------------------------

powers = st.integers(min_value=0, max_value=60_000).map(Decimal)
optional_powers = st.none() | powers
limits_w = st.none() | st.decimals(min_value=0, max_value=80_000, places=1)


@st.composite
def trees(draw: st.DrawFn) -> list[Feeder]:
    """A root, up to three feeders below it, up to two below each (depth <= 3)."""
    feeders = [Feeder("F", None, draw(limits_w))]
    for i in range(draw(st.integers(0, 3))):
        feeders.append(Feeder(f"F{i}", "F", draw(limits_w)))
        feeders += [
            Feeder(f"F{i}{j}", f"F{i}", draw(limits_w)) for j in range(draw(st.integers(0, 2)))
        ]
    return feeders


@st.composite
def demands_on(draw: st.DrawFn, feeders: Sequence[Feeder], key: str, minute: int) -> EvseDemand:
    minimum = draw(st.integers(0, 8_000))
    return EvseDemand(
        evse_key=key,
        feeder_id=draw(st.sampled_from([f.feeder_id for f in feeders])),
        min_w=Decimal(minimum),
        max_w=Decimal(minimum + draw(st.integers(0, 50_000))),
        arrived_at=at(minute),
        vehicle_max_w=draw(optional_powers),
        measured_w=draw(optional_powers),
        boost_w=draw(st.none() | st.none() | powers),
    )


@st.composite
def sites(draw: st.DrawFn) -> tuple[list[Feeder], list[EvseDemand], Decimal | None]:
    feeders = draw(trees())
    count = draw(st.integers(0, 12))
    demands = [
        draw(demands_on(feeders, f"E{i:02d}", draw(st.integers(0, 5)))) for i in range(count)
    ]
    return feeders, demands, draw(limits_w)


Site = tuple[list[Feeder], list[EvseDemand], Decimal | None]


def capacity(feeders: Sequence[Feeder], site_cap_w: Decimal | None) -> dict[str, Decimal | None]:
    """Each feeder's limit in whole W, the root's lowered to the site cap."""
    caps: dict[str, Decimal | None] = {}
    for f in feeders:
        bounds = [
            b for b in (f.limit_w, site_cap_w if f.parent_id is None else None) if b is not None
        ]
        caps[f.feeder_id] = (
            min(bounds).quantize(Decimal(1), rounding=ROUND_DOWN) if bounds else None
        )
    return caps


def beneath(feeders: Sequence[Feeder], demand: EvseDemand) -> list[str]:
    """The feeders from the demand's own up to the root."""
    parent = {f.feeder_id: f.parent_id for f in feeders}
    path: list[str] = []
    node: str | None = demand.feeder_id
    while node is not None:
        path.append(node)
        node = parent[node]
    return path


def ceiling(d: EvseDemand) -> Decimal:
    bounds = [d.max_w] + ([d.vehicle_max_w] if d.vehicle_max_w is not None else [])
    if d.measured_w is not None:
        bounds.append((d.measured_w * Decimal("1.1")).quantize(Decimal(1), rounding=ROUND_CEILING))
    return max(d.min_w, min(bounds))


def boost_target(d: EvseDemand) -> Decimal:
    assert d.boost_w is not None
    bounds = [d.boost_w, d.max_w] + ([d.vehicle_max_w] if d.vehicle_max_w is not None else [])
    return max(d.min_w, min(bounds))


def rank(d: EvseDemand) -> tuple[datetime, str]:
    return d.arrived_at, d.evse_key


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(sites())
def test_no_feeder_is_ever_exceeded(site: Site) -> None:
    """Every feeder's load (the grants beneath it) is at most its limit; root at most the cap."""
    feeders, demands, cap = site
    allocation = allocate(feeders, demands, site_cap_w=cap)
    for feeder_id, limit in capacity(feeders, cap).items():
        load = sum(
            (
                allocation.grants[d.evse_key].limit_w
                for d in demands
                if feeder_id in beneath(feeders, d)
            ),
            Decimal(0),
        )
        assert allocation.feeder_load_w[feeder_id] == load
        assert limit is None or load <= limit


@PROPERTY
@given(sites())
def test_grants_sum_to_at_most_the_root_capacity(site: Site) -> None:
    """The sum of all grants is at most the root's limit and the site cap."""
    feeders, demands, cap = site
    allocation = allocate(feeders, demands, site_cap_w=cap)
    total = sum((g.limit_w for g in allocation.grants.values()), Decimal(0))
    root = next(f for f in feeders if f.parent_id is None)
    for bound in (root.limit_w, cap):
        assert bound is None or total <= bound


@PROPERTY
@given(sites())
def test_every_admitted_evse_is_between_its_minimum_and_its_ceiling(site: Site) -> None:
    """Admitted: min_w <= grant <= ceiling (or the boost target); queued: 0 W, not boosted."""
    feeders, demands, cap = site
    allocation = allocate(feeders, demands, site_cap_w=cap)
    assert sorted(allocation.grants) == sorted(d.evse_key for d in demands)
    for d in demands:
        grant = allocation.grants[d.evse_key]
        if grant.queued:
            assert (grant.limit_w, grant.boosted) == (Decimal(0), False)
            continue
        top = ceiling(d) if d.boost_w is None else max(ceiling(d), boost_target(d))
        assert d.min_w <= grant.limit_w <= top
        assert grant.limit_w <= d.max_w
        assert grant.limit_w == grant.limit_w.to_integral_value()


@PROPERTY
@given(sites())
def test_nobody_is_queued_when_all_minimums_fit(site: Site) -> None:
    """No starvation: minimums fitting under every feeder (and the cap) means nobody waits."""
    feeders, demands, cap = site
    caps = capacity(feeders, cap)
    fits = all(
        limit is None
        or sum((d.min_w for d in demands if f in beneath(feeders, d)), Decimal(0)) <= limit
        for f, limit in caps.items()
    )
    allocation = allocate(feeders, demands, site_cap_w=cap)
    event(f"all minimums fit: {fits}")
    if fits:
        assert not any(g.queued for g in allocation.grants.values())


@PROPERTY
@given(sites())
def test_an_earlier_arrival_is_never_queued_behind_a_later_one(site: Site) -> None:
    """At one feeder, a queued EVSE means every later arrival there is queued too."""
    feeders, demands, cap = site
    allocation = allocate(feeders, demands, site_cap_w=cap)
    for early in demands:
        for late in demands:
            same_place = early.feeder_id == late.feeder_id and rank(early) < rank(late)
            if same_place and allocation.grants[early.evse_key].queued:
                assert allocation.grants[late.evse_key].queued


@PROPERTY
@given(sites(), st.data())
def test_a_new_arrival_never_queues_one_admitted_before_it(site: Site, data: st.DataObject) -> None:
    """Whoever was admitted stays admitted when one more vehicle arrives later."""
    feeders, demands, cap = site
    newcomer = data.draw(demands_on(feeders, "NEW", 60))
    before = allocate(feeders, demands, site_cap_w=cap)
    after = allocate(feeders, [*demands, newcomer], site_cap_w=cap)
    for key, grant in before.grants.items():
        assert grant.queued or not after.grants[key].queued


@PROPERTY
@given(sites(), st.randoms())
def test_same_input_same_output_in_any_order(site: Site, rnd: random.Random) -> None:
    """Deterministic: twice the same, and shuffling feeders and demands changes nothing."""
    feeders, demands, cap = site
    first = allocate(feeders, demands, site_cap_w=cap)
    assert allocate(feeders, demands, site_cap_w=cap) == first
    shuffled_feeders, shuffled_demands = list(feeders), list(demands)
    rnd.shuffle(shuffled_feeders)
    rnd.shuffle(shuffled_demands)
    again = allocate(shuffled_feeders, shuffled_demands, site_cap_w=cap)
    assert again == first
    assert list(again.grants) == list(first.grants)


@PROPERTY
@given(sites(), st.data())
def test_a_boost_that_fits_is_given(site: Site, data: st.DataObject) -> None:
    """The first boosted arrival gets its boost when it fits with the others at minimum."""
    feeders, demands, cap = site
    if demands:  # one more boost, so that most examples have one
        i = data.draw(st.integers(0, len(demands) - 1))
        demands[i] = dataclasses.replace(demands[i], boost_w=data.draw(powers))
    allocation = allocate(feeders, demands, site_cap_w=cap)
    admitted = [d for d in demands if not allocation.grants[d.evse_key].queued]
    for d in admitted:
        if allocation.grants[d.evse_key].boosted:
            assert allocation.grants[d.evse_key].limit_w >= boost_target(d)
    boosted = sorted((d for d in admitted if d.boost_w is not None), key=rank)
    if not boosted:
        return
    first, caps = boosted[0], capacity(feeders, cap)
    others = [d for d in admitted if d is not first]
    fits = all(
        (limit := caps[f]) is None
        or boost_target(first)
        + sum((o.min_w for o in others if f in beneath(feeders, o)), Decimal(0))
        <= limit
        for f in beneath(feeders, first)
    )
    event(f"first boost fits: {fits}")
    if fits:
        assert allocation.grants[first.evse_key].boosted
        assert allocation.grants[first.evse_key].limit_w >= boost_target(first)


@PROPERTY
@given(sites())
def test_nothing_is_left_unused_but_the_rounding(site: Site) -> None:
    """An unboosted EVSE below its ceiling sits under a feeder with under 1 W per EVSE spare."""
    feeders, demands, cap = site
    allocation = allocate(feeders, demands, site_cap_w=cap)
    caps = capacity(feeders, cap)
    admitted = [d for d in demands if not allocation.grants[d.evse_key].queued]
    for d in admitted:
        if d.boost_w is not None or allocation.grants[d.evse_key].limit_w >= ceiling(d):
            continue
        assert any(
            (limit := caps[f]) is not None
            and limit - allocation.feeder_load_w[f]
            < sum(1 for o in admitted if f in beneath(feeders, o))
            for f in beneath(feeders, d)
        )


@PROPERTY
@given(sites())
def test_evses_at_one_feeder_below_their_ceilings_get_equal_extras(site: Site) -> None:
    """Fair share: two unboosted EVSEs at one feeder, both below their ceilings, get the same
    power above their minimums."""
    feeders, demands, cap = site
    allocation = allocate(feeders, demands, site_cap_w=cap)
    extras: dict[str, set[Decimal]] = {}
    for d in demands:
        grant = allocation.grants[d.evse_key]
        if grant.queued or d.boost_w is not None or grant.limit_w >= ceiling(d):
            continue
        extras.setdefault(d.feeder_id, set()).add(grant.limit_w - d.min_w)
    assert all(len(values) == 1 for values in extras.values())
