"""Power sharing on a mixed AC/DC site (seed 004 第2条12-14) over real sockets on 1.6 and
2.0.1: a 50 kW feeder, two DC 50 kW and four AC 6 kW EVSEs, six sessions arriving and
leaving on a clock the test moves (server and simulators together). The site's power, read
from the stored meter values, stays within the feeder after every change; every vehicle
charges; the TxProfiles on the wire are the allocator's grants; a boost raises one EVSE for
its time; a station that ignores profiles is flagged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
import pytest

from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from csms.observability import REGISTRY
from csms.smart_charging.allocation import EvseDemand, Feeder
from csms.smart_charging.allocator import allocate
from simulators.station import PROFILES, SimClock, SimulatedStation, Transaction
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

T0 = datetime(2025, 6, 3, 1, 0, tzinfo=UTC)
VERSIONS = ["1.6", "2.0.1"]
FEEDER_W = 50_000


class Site:
    def __init__(self, system: CentralSystem, clock: FixedClock, api: httpx.AsyncClient) -> None:
        self.system, self.clock, self.api = system, clock, api
        self.site_id = unique("SITE")
        self.stations: list[SimulatedStation] = []

    async def station(self, version: str, profile: str) -> SimulatedStation:
        clock = SimClock(self.clock.now(), speed=0)  # each station's own, moved with the server's
        station = SimulatedStation(unique("PS"), version, PROFILES[profile], clock)
        await station.connect(f"ws://127.0.0.1:{self.system.ocpp_port}/ocpp")
        await station.boot()
        self.stations.append(station)
        return station

    async def minutes(
        self, open_tx: list[tuple[SimulatedStation, Transaction]], n: int, pause_s: float = 0.3
    ) -> None:
        """``n`` minutes of charging for every open session, each followed by its readings."""
        for _ in range(n):
            self.clock.advance(60)
            for station in self.stations:
                mine = [tx for s, tx in open_tx if s is station]
                await station.charge_together(mine, 60)
            for station, tx in open_tx:
                await station.meter_values(tx)
            await asyncio.sleep(pause_s)  # the server's loop reads the readings

    @property
    def now(self) -> datetime:
        return self.clock.now()


async def settle() -> None:
    """Let the server push what a change asked for (its loop runs every 20 ms)."""
    await asyncio.sleep(0.3)


@pytest.fixture
async def site(migrated_dsn: str) -> AsyncIterator[Site]:
    clock = FixedClock(T0)
    settings = make_settings(
        migrated_dsn, smart_charging_interval_s=0.02, tariff_default_class="ac"
    )
    async with CentralSystem(settings, clock=clock) as system, api_client(system) as api:
        made = Site(system, clock, api)
        yield made
        for station in made.stations:
            await station.close()


async def _build(site: Site, version: str) -> tuple[SimulatedStation, list[SimulatedStation]]:
    dc = await site.station(version, "quick-dc-50kw")
    ac = [await site.station(version, "normal-ac-6kw") for _ in range(2)]
    members = [
        {
            "feeder_id": "main",
            "station_id": dc.station_id,
            "evse_id": e,
            "current": "DC",
            "max_kw": "50",
            "min_kw": "5",
        }
        for e in (1, 2)
    ] + [
        {
            "feeder_id": "main",
            "station_id": s.station_id,
            "evse_id": e,
            "current": "AC",
            "phases": 1,
            "max_kw": "6",
            "min_kw": "1.2",
        }
        for s in ac
        for e in (1, 2)
    ]
    body = {
        "name": "Mixed site",
        "feeders": [{"feeder_id": "main", "limit_kw": 50}],
        "members": members,
    }
    answer = await site.api.put(f"/api/sites/{site.site_id}", json=body)
    assert answer.status_code == 200, answer.text
    return dc, ac


async def _site_power_w(db: asyncpg.Connection, station_ids: list[str], at: datetime) -> Decimal:
    """The site's power at ``at``: the sum of its sessions' Power.Active.Import readings."""
    found = await db.fetchval(
        "SELECT coalesce(sum(value), 0) FROM meter_samples WHERE station_id = ANY($1)"
        " AND measurand = 'Power.Active.Import' AND sampled_at = $2",
        station_ids,
        at,
    )
    return Decimal(found)


def _tx_limits(station: SimulatedStation) -> dict[int, Decimal]:
    """The last allocator TxProfile limit the station got, per EVSE (W)."""
    limits: dict[int, Decimal] = {}
    for call in station.received("SetChargingProfile"):
        profile = call.get("csChargingProfiles") or call["chargingProfile"]
        if profile["chargingProfilePurpose"] != "TxProfile":
            continue
        schedule = profile["chargingSchedule"]
        schedule = schedule[0] if isinstance(schedule, list) else schedule
        evse = call.get("connectorId", call.get("evseId"))
        limits[evse] = Decimal(str(schedule["chargingSchedulePeriod"][0]["limit"]))
    return limits


@pytest.mark.parametrize("version", VERSIONS)
async def test_six_sessions_share_a_50_kw_feeder(
    version: str, site: Site, db: asyncpg.Connection
) -> None:
    dc, ac = await _build(site, version)
    evses = [(dc, 1), (dc, 2)] + [(s, e) for s in ac for e in (1, 2)]
    open_tx: list[tuple[SimulatedStation, Transaction]] = []
    ids = [s.station_id for s in site.stations]
    for station, evse in evses:  # one arrival a minute
        open_tx.append((station, await station.start_transaction(evse, unique("C")[:16])))
        await settle()
        await site.minutes(open_tx, 2)
        power = await _site_power_w(db, ids, site.now)
        assert 0 < power <= FEEDER_W, power
    assert power == FEEDER_W  # six vehicles: the feeder is used to the watt
    for station, tx in open_tx:
        assert station.registers_wh[tx.connector] > tx.start_register  # everyone charges
    expected = allocate(
        [Feeder("main", None, Decimal(FEEDER_W))],
        [
            EvseDemand(
                f"{s.station_id}/{e}",
                "main",
                Decimal(5000 if s is dc else 1200),
                Decimal(50000 if s is dc else 6000),
                T0,
            )
            for s, e in evses
        ],
    )
    for station, evse in evses:
        grant = expected.grants[f"{station.station_id}/{evse}"].limit_w
        assert _tx_limits(station)[evse] == grant  # the wire carries the allocator's grants
    assert _tx_limits(dc) == {1: Decimal(13000), 2: Decimal(13000)}
    station, tx = open_tx.pop(0)  # the first DC vehicle leaves
    await station.stop_transaction(tx)
    await settle()
    await site.minutes(open_tx, 2)
    assert _tx_limits(dc)[2] == Decimal(26000)  # the other DC takes what is free
    assert await _site_power_w(db, ids, site.now) <= FEEDER_W


async def test_a_boost_raises_one_evse_for_its_time_and_then_restores(
    site: Site, db: asyncpg.Connection
) -> None:
    dc, ac = await _build(site, "2.0.1")
    open_tx = [(dc, await dc.start_transaction(e, unique("C")[:16])) for e in (1, 2)]
    open_tx += [(s, await s.start_transaction(e, unique("C")[:16])) for s in ac for e in (1, 2)]
    await settle()
    await site.minutes(open_tx, 1)
    assert _tx_limits(dc) == {1: Decimal(13000), 2: Decimal(13000)}
    session = await db.fetchval(
        "SELECT session_id FROM sessions WHERE station_id = $1 AND evse_id = 1", dc.station_id
    )
    boosted = await site.api.post(f"/api/sessions/{session}/boost", json={"duration_s": 300})
    assert boosted.status_code == 201, boosted.text
    await settle()
    limits = _tx_limits(dc)
    assert limits[1] > Decimal(13000) > limits[2]  # the boosted EVSE up, the other yields
    assert limits[1] + limits[2] + sum(_tx_limits(s)[e] for s in ac for e in (1, 2)) <= FEEDER_W
    await site.minutes(open_tx, 6)  # the boost's 5 minutes pass
    assert _tx_limits(dc) == {1: Decimal(13000), 2: Decimal(13000)}  # restored


async def test_a_station_that_ignores_profiles_is_flagged_and_one_with_few_stack_levels_works(
    site: Site, db: asyncpg.Connection
) -> None:
    before = REGISTRY.get_sample_value("csms_charging_profiles_ignored_total") or 0
    dc, ac = await _build(site, "1.6")
    dc.ignores_profiles = True  # answers Accepted, applies nothing
    for station in ac:
        station.max_stack_level = 3  # rejects stack levels above 3
    open_tx = [(dc, await dc.start_transaction(e, unique("C")[:16])) for e in (1, 2)]
    open_tx += [(s, await s.start_transaction(e, unique("C")[:16])) for s in ac for e in (1, 2)]
    await settle()
    await site.minutes(open_tx, 3)
    for station in ac:  # their profiles work: they deliver what they were granted
        assert station.delivered_w == {1: 6000, 2: 6000}
    flagged = REGISTRY.get_sample_value("csms_charging_profiles_ignored_total") or 0
    assert flagged - before == 2  # both DC EVSEs drew their 50 kW despite the limits, once each


async def test_the_30_minute_demand_stays_under_the_contracted_demand(
    site: Site, db: asyncpg.Connection
) -> None:
    dc = await site.station("2.0.1", "quick-dc-50kw")
    members = [
        {
            "feeder_id": "main",
            "station_id": dc.station_id,
            "evse_id": e,
            "current": "DC",
            "max_kw": "50",
            "min_kw": "5",
        }
        for e in (1, 2)
    ]
    body = {
        "name": "Contracted 30 kW",
        "contracted_kw": "30",
        "feeders": [{"feeder_id": "main", "limit_kw": "50"}],
        "members": members,
    }
    assert (await site.api.put(f"/api/sites/{site.site_id}", json=body)).status_code == 200
    open_tx = [(dc, await dc.start_transaction(e, unique("C")[:16])) for e in (1, 2)]
    await settle()
    await site.minutes(open_tx, 65, pause_s=0.02)  # two whole intervals, a reading a minute
    for start in (T0, T0 + timedelta(minutes=30)):
        energy = await db.fetchval(
            "SELECT sum(last.v - first.v) FROM (SELECT DISTINCT session_id FROM meter_samples"
            "  WHERE station_id = $1) s,"
            " LATERAL (SELECT value AS v FROM meter_samples WHERE session_id = s.session_id"
            "  AND measurand = 'Energy.Active.Import.Register' AND sampled_at <= $2"
            "  ORDER BY sampled_at DESC LIMIT 1) first,"
            " LATERAL (SELECT value AS v FROM meter_samples WHERE session_id = s.session_id"
            "  AND measurand = 'Energy.Active.Import.Register' AND sampled_at <= $3"
            "  ORDER BY sampled_at DESC LIMIT 1) last",
            dc.station_id,
            start,
            start + timedelta(minutes=30),
        )
        demand_kw = Decimal(energy) * 2 / 1000  # the interval's average power
        assert Decimal(10) < demand_kw <= Decimal(30), demand_kw  # charged, under the contract
    shown = REGISTRY.get_sample_value("csms_site_interval_demand_kw", {"site": site.site_id})
    assert shown is not None
    assert shown <= 30
