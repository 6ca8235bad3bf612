"""Reservations end to end on 1.6 and 2.0.1 (seed 002 第10-12条): the simulator over real
sockets, the real server and PostgreSQL, the server's clock injected and moved by the test
(the reservation clock ticks every 20 ms of real time and reads that clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest

from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

VERSIONS = ["1.6", "2.0.1"]
T0 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)  # 10:00 JST
START, END = T0 + timedelta(minutes=10), T0 + timedelta(minutes=40)
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout_s: float = 5.0) -> T:
    """The first truthy answer of ``probe`` within ``timeout_s`` (the clock ticks apart)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        found = await probe()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.02)


class Site:
    """A central system on a fixed clock, an operator, a reservable station and a member."""

    def __init__(self, dsn: str, clock: FixedClock) -> None:
        self.dsn = dsn
        self.clock = clock
        self.operator = unique("OP")
        self.stations: list[SimulatedStation] = []
        self.system: CentralSystem | None = None
        self.api: httpx.AsyncClient | None = None

    @property
    def ocpp_url(self) -> str:
        assert self.system is not None
        return f"ws://127.0.0.1:{self.system.ocpp_port}/ocpp"

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        assert self.api is not None
        return await self.api.request(method, path, **kwargs)

    async def station(self, version: str, **policy: Any) -> SimulatedStation:
        station = SimulatedStation(
            unique("RSV"), version, PROFILES["normal-ac-6kw"], SimClock(T0, speed=0)
        )
        await station.connect(self.ocpp_url)
        self.stations.append(station)
        await station.boot()
        await station.status(1, "Available")
        path = f"/api/stations/{station.station_id}"
        assert (
            await self.call("PUT", f"{path}/operator", json={"operator_id": self.operator})
        ).status_code == 200
        body = {"reservable": True, "no_show_fee": "550", "extension_fee_per_minute": "20"}
        answer = await self.call("PUT", f"{path}/reservations-policy", json=body | policy)
        assert answer.status_code == 200, answer.text
        return station

    async def member(self) -> tuple[str, str, str]:
        """A member account with a card: (account id, card, app token)."""
        account = unique("ACC")[:20]
        made = await self.call(
            "POST",
            "/api/accounts",
            json={
                "account_id": account,
                "operator_id": self.operator,
                "name": "Taro",
                "email": "taro@example.jp",
            },
        )
        assert made.status_code == 201, made.text
        card = unique("C").replace("-", "").upper()[:16]
        body = {"id_token": card, "operator_id": self.operator, "account_id": account}
        assert (await self.call("POST", "/api/cards", json=body)).status_code == 201
        return account, card, made.json()["app_token"]

    async def reserve(
        self, station: SimulatedStation, account: str, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "station_id": station.station_id,
            "evse_id": 1,
            "account_id": account,
            "start": START.isoformat(),
            "end": END.isoformat(),
            **extra,
        }
        answer = await self.call("POST", "/api/reservations", json=body)
        assert answer.status_code == 201, answer.text
        made: dict[str, Any] = answer.json()
        return made

    async def reservation(self, reservation_id: str) -> dict[str, Any]:
        answer = await self.call("GET", f"/api/reservations/{reservation_id}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def until_status(self, reservation_id: str, status: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            found = await self.reservation(reservation_id)
            return found if found["status"] == status else None

        return await eventually(probe)

    def at(self, moment: datetime) -> None:
        """Move the server's clock to ``moment`` (the simulators keep their own)."""
        self.clock.advance((moment - self.clock.now()).total_seconds())


@pytest.fixture
async def site(migrated_dsn: str) -> AsyncIterator[Site]:
    site = Site(migrated_dsn, FixedClock(T0))
    settings = make_settings(
        migrated_dsn,
        reservation_poll_s=0.02,
        outbox_poll_s=0.05,
        tariff_default_class="ac",
        reservation_end_grace_s=0,
    )
    async with CentralSystem(settings, clock=site.clock) as system, api_client(system) as api:
        site.system, site.api = system, api
        operator = {"operator_id": site.operator, "name": "Reserving CPO"}
        assert (await api.post("/api/operators", json=operator)).status_code == 201
        yield site
        for station in site.stations:
            await station.close()


async def _penalties(db: asyncpg.Connection, reservation_id: str) -> list[asyncpg.Record]:
    return list(
        await db.fetch("SELECT * FROM statements WHERE reservation_id = $1::uuid", reservation_id)
    )


async def _session_statement(db: asyncpg.Connection, station_id: str) -> asyncpg.Record:
    async def probe() -> asyncpg.Record | None:
        return await db.fetchrow(
            "SELECT st.* FROM statements st JOIN sessions s USING (session_id)"
            " WHERE s.station_id = $1",
            station_id,
        )

    return await eventually(probe)


async def _charge(station: SimulatedStation, card: str, until: datetime) -> Any:
    """Start with the card at the station's clock, charge until ``until`` (station time)."""
    tx = await station.start_transaction(1, card)
    await station.charge(tx, (until - station.clock.now()).total_seconds())
    await station.meter_values(tx)
    return tx


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_reservation_honoured(version: str, site: Site, db: asyncpg.Connection) -> None:
    station = await site.station(version)
    account, card, _ = await site.member()
    made = await site.reserve(station, account)
    assert made["status"] == "scheduled"
    assert made["ocpp_reservation_id"] > 0
    assert station.received("ReserveNow") == []
    site.at(START - timedelta(minutes=5))  # the lead time: the window opens at the station
    active = await site.until_status(made["reservation_id"], "active")
    sent = station.received("ReserveNow")[0]
    wire_id = sent["reservationId"] if version == "1.6" else sent["id"]
    assert wire_id == active["ocpp_reservation_id"]
    await station.clock.advance(
        (START + timedelta(minutes=2) - station.clock.now()).total_seconds()
    )
    site.at(START + timedelta(minutes=2))
    tx = await _charge(station, card, START + timedelta(minutes=22))
    used = await site.until_status(made["reservation_id"], "used")
    await station.stop_transaction(tx)
    site.at(END + timedelta(seconds=1))
    await eventually(lambda: _ended(site, made["reservation_id"]))
    assert used["session_id"] is not None
    assert await _penalties(db, made["reservation_id"]) == []
    statement = await _session_statement(db, station.station_id)
    kinds = [line["kind"] for line in statement["lines"]]
    assert "unauthorised_extension" not in kinds
    assert station.received("CancelReservation") == []


async def _ended(site: Site, reservation_id: str) -> bool:
    return (await site.reservation(reservation_id))["ended_at"] is not None


@pytest.mark.parametrize("version", VERSIONS)
async def test_cancelled_before_the_start_is_free(
    version: str, site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station(version)
    account, _, app_token = await site.member()
    made = await site.reserve(station, account)
    site.at(START - timedelta(minutes=4))
    await site.until_status(made["reservation_id"], "active")
    assert station.reservations
    async with httpx.AsyncClient(
        base_url=str(site.api.base_url) if site.api else "",
        headers={"Authorization": f"Bearer {app_token}"},
        timeout=10,
    ) as app:  # the member's own app cancels
        cancelled = await app.delete(f"/api/reservations/{made['reservation_id']}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_by"] == "member"
    assert [c["reservationId"] for c in station.received("CancelReservation")] == [
        made["ocpp_reservation_id"]
    ]
    site.at(END + timedelta(minutes=1))
    await asyncio.sleep(0.1)
    assert await _penalties(db, made["reservation_id"]) == []
    assert (await site.reservation(made["reservation_id"]))["status"] == "cancelled"


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_no_show_gets_the_penalty_statement(
    version: str, site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station(version)
    account, _, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START - timedelta(minutes=5))
    await site.until_status(made["reservation_id"], "active")
    site.at(END)
    await site.until_status(made["reservation_id"], "no_show")
    [penalty] = await _penalties(db, made["reservation_id"])
    assert penalty["session_id"] is None
    assert penalty["status"] == "issued"
    assert penalty["total"] == 550
    assert penalty["tax_included"] == 50
    assert [(line["kind"], line["amount"]) for line in penalty["lines"]] == [
        ("no_show_penalty", "550")
    ]
    await eventually(lambda: _cancelled_at_station(station))
    shown = await site.call("GET", f"/api/reservations/{made['reservation_id']}/statement")
    assert shown.status_code == 200, shown.text
    assert str(shown.json()["total"]) == "550"
    assert shown.json()["reservation_id"] == made["reservation_id"]


async def _cancelled_at_station(station: SimulatedStation) -> bool:
    return bool(station.received("CancelReservation"))


@pytest.mark.parametrize(("version", "profiles"), [(v, p) for v in VERSIONS for p in (True, False)])
async def test_an_unauthorised_extension_is_cut_and_charged_per_started_minute(
    version: str, profiles: bool, site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station(version)
    if not profiles:
        station.profile_answer = "Rejected"  # a station that refuses charging profiles
    account, card, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START - timedelta(minutes=5))
    await site.until_status(made["reservation_id"], "active")
    await station.clock.advance(
        (START + timedelta(minutes=5) - station.clock.now()).total_seconds()
    )
    tx = await _charge(station, card, END + timedelta(seconds=30))
    await site.until_status(made["reservation_id"], "used")
    site.at(END + timedelta(seconds=30))
    found = await eventually(lambda: _power_cut(site, made["reservation_id"]))
    if profiles:
        assert found == "profile"
        [profile] = station.received("SetChargingProfile")
        body = profile["csChargingProfiles"] if version == "1.6" else profile["chargingProfile"]
        schedule = body["chargingSchedule"]
        schedule = schedule if version == "1.6" else schedule[0]
        assert schedule["chargingSchedulePeriod"][0]["limit"] == 0
        assert body["chargingProfilePurpose"] == "TxProfile"
        await station.clock.advance(120)  # stopped 2 min 30 s after the end: 3 started minutes
        await station.stop_transaction(tx)
        minutes = 3
    else:
        assert found == "remote_stop"
        assert station.received(
            "RemoteStopTransaction" if version == "1.6" else "RequestStopTransaction"
        )
        minutes = 1  # the station stopped at once, 30 s after the end
    statement = await _session_statement(db, station.station_id)
    extensions = [line for line in statement["lines"] if line["kind"] == "unauthorised_extension"]
    assert len(extensions) == 1, (statement["lines"], statement["inputs"])
    [extension] = extensions
    assert extension["quantity"] == str(minutes)
    assert extension["unit_price"] == "20"
    assert extension["amount"] == str(20 * minutes)
    assert sum(int(line["amount"]) for line in statement["lines"]) == statement["total"]


async def _power_cut(site: Site, reservation_id: str) -> str | None:
    found: str | None = (await site.reservation(reservation_id))["power_cut"]
    return found


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_left_reserved_after_expiry_gets_cancel_reservation(
    version: str, site: Site
) -> None:
    station = await site.station(version)
    station.keeps_reserved = True  # answers Accepted but shows Reserved on (a buggy charger)
    account, _, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START - timedelta(minutes=5))
    await site.until_status(made["reservation_id"], "active")
    site.at(END)
    await site.until_status(made["reservation_id"], "no_show")
    await eventually(lambda: _cancelled_at_station(station))
    await station.status(1, "Reserved")  # still Reserved after the server ended it

    async def twice() -> bool:
        return len(station.received("CancelReservation")) == 2

    await eventually(twice)
    assert {c["reservationId"] for c in station.received("CancelReservation")} == {
        made["ocpp_reservation_id"]
    }
