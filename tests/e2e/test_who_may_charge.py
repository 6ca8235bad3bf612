"""Who may charge, over real sockets on 1.6 and 2.0.1: members, visitors, passwords, the
app, local lists and offline starts. The server's clock is injected (no sleeping)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

VERSIONS = ["1.6", "2.0.1"]
T0 = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)


class World:
    """A central system on a fixed clock, an operator, one station of it, and the API."""

    def __init__(
        self, system: CentralSystem, clock: FixedClock, api: httpx.AsyncClient, operator: str
    ) -> None:
        self.system = system
        self.clock = clock
        self.api = api
        self.operator = operator
        self.stations: list[SimulatedStation] = []

    async def station(self, version: str) -> SimulatedStation:
        station = SimulatedStation(
            unique("WHO"), version, PROFILES["normal-ac-6kw"], SimClock(T0, speed=0)
        )
        await station.connect(f"ws://127.0.0.1:{self.system.ocpp_port}/ocpp")
        self.stations.append(station)
        await station.boot()
        response = await self.api.put(
            f"/api/stations/{station.station_id}/operator", json={"operator_id": self.operator}
        )
        assert response.status_code == 200, response.text
        return station

    async def card(self, status: str = "Accepted", **extra: Any) -> str:
        card = unique("C").replace("-", "").upper()[:16]
        body = {"id_token": card, "status": status, "operator_id": self.operator, **extra}
        response = await self.api.post("/api/cards", json=body)
        assert response.status_code == 201, response.text
        return card

    async def stand(self, station: SimulatedStation, *, passwords: bool = False) -> str:
        stand_id = unique("SID")
        response = await self.api.post(
            "/api/stands",
            json={
                "stand_id": stand_id,
                "station_id": station.station_id,
                "evse_id": 1,
                "uses_passwords": passwords,
            },
        )
        assert response.status_code == 201, response.text
        return stand_id

    async def register(self, stand_id: str, **extra: Any) -> httpx.Response:
        body = {
            "name": "Hanako Yamada",
            "email": "hanako@example.jp",
            "payment_reference": "pay_7f3a",
            **extra,
        }
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.system.public_port}", timeout=10
        ) as public:  # the visitors' own listener
            return await public.post(f"/public/stands/{stand_id}/visits", json=body)


@pytest.fixture
async def world(migrated_dsn: str) -> AsyncIterator[World]:
    clock = FixedClock(T0)
    settings = make_settings(migrated_dsn, outbox_poll_s=0.05)
    async with (
        CentralSystem(settings, clock=clock) as system,
        api_client(system) as api,
    ):
        operator = unique("OP")
        assert (
            await api.post("/api/operators", json={"operator_id": operator, "name": "Test CPO"})
        ).status_code == 201
        world = World(system, clock, api, operator)
        yield world
        for station in world.stations:
            await station.close()


def rejected(version: str, status: str) -> str:
    """1.6 has no NotAtThisLocation; both versions say Invalid for unknown cards."""
    return "Invalid" if version == "1.6" and status == "NotAtThisLocation" else status


@pytest.mark.parametrize("version", VERSIONS)
async def test_member_cards(version: str, world: World) -> None:
    """Valid member card accepted; blocked, unknown and other operators' cards refused."""
    station = await world.station(version)
    assert await station.authorize(await world.card()) == "Accepted"
    assert await station.authorize(await world.card("Blocked")) == "Blocked"
    assert await station.authorize("0102030405060708") == "Invalid"
    other = unique("OP2")
    await world.api.post("/api/operators", json={"operator_id": other, "name": "Other"})
    foreign = unique("F").replace("-", "").upper()[:16]
    await world.api.post("/api/cards", json={"id_token": foreign, "operator_id": other})
    assert await station.authorize(foreign) == rejected(version, "NotAtThisLocation")


@pytest.mark.parametrize("version", VERSIONS)
async def test_accounts_block_expire_and_deactivate_after_four_months(
    version: str, world: World, db: asyncpg.Connection
) -> None:
    """A card follows its account; an account unused for 4 months is deactivated."""
    station = await world.station(version)
    account = unique("A")[:12]
    await world.api.post(
        "/api/accounts", json={"account_id": account, "operator_id": world.operator, "name": "Taro"}
    )
    card = await world.card(account_id=account)
    assert await station.authorize(card) == "Accepted"  # last used now
    world.clock.advance(timedelta(days=121).total_seconds())  # < 4 months later
    assert await station.authorize(card) == "Accepted"
    world.clock.advance(timedelta(days=124).total_seconds())  # > 4 months unused
    assert await station.authorize(card) == "Expired"
    assert (
        await db.fetchval("SELECT status FROM accounts WHERE account_id = $1", account)
        == "deactivated"
    )
    blocked = unique("B")[:12]
    await world.api.post(
        "/api/accounts",
        json={
            "account_id": blocked,
            "operator_id": world.operator,
            "name": "X",
            "status": "blocked",
        },
    )
    assert await station.authorize(await world.card(account_id=blocked)) == "Blocked"


@pytest.mark.parametrize("version", VERSIONS)
async def test_visitor_card_touch_at_59_s_is_accepted_and_bound(
    version: str, world: World, db: asyncpg.Connection
) -> None:
    """Register, touch any FeliCa card 59 s later: accepted, bound to the visit, not a card."""
    station = await world.station(version)
    stand_id = await world.stand(station)
    response = await world.register(stand_id, notify=True)
    assert response.status_code == 201, response.text
    visitor_id = response.json()["visitor_id"]
    world.clock.advance(59)
    felica = "012E4CD1A2B3C4D5"
    assert await station.authorize(felica) == "Accepted"
    tx = await station.start_transaction(1, felica)
    assert tx.id_tag_status == "Accepted"
    await station.charge(tx, 600)
    await station.stop_transaction(tx)
    row = await db.fetchrow("SELECT * FROM sessions WHERE station_id = $1", station.station_id)
    assert str(row["visitor_id"]) == visitor_id
    assert await db.fetchval("SELECT count(*) FROM id_tokens WHERE id_token = $1", felica) == 0
    async with asyncio.timeout(5):  # the "charging complete" mail is queued and sent
        while not await db.fetchval(
            "SELECT sent_at IS NOT NULL FROM outbox WHERE recipient = 'hanako@example.jp'"
            " AND body LIKE $1",
            f"%{stand_id}%",
        ):
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("version", VERSIONS)
async def test_visitor_card_touch_at_61_s_is_refused(version: str, world: World) -> None:
    """After 60 s the window is closed: the unknown card is just an unknown card."""
    station = await world.station(version)
    stand_id = await world.stand(station)
    assert (await world.register(stand_id)).status_code == 201
    world.clock.advance(61)
    assert await station.authorize("012E4CD1A2B3C4D6") == "Invalid"


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_second_visitor_waits_for_the_open_window(version: str, world: World) -> None:
    """While a window is open at a stand a second registration is refused, with a message."""
    station = await world.station(version)
    stand_id = await world.stand(station)
    assert (await world.register(stand_id)).status_code == 201
    world.clock.advance(20)
    second = await world.register(stand_id, name="Jiro")
    assert second.status_code == 409
    assert "cannot take a registration now" in second.json()["error"]
    assert second.headers["Retry-After"] == "60"  # the same as an unknown stand's
    world.clock.advance(41)
    assert (await world.register(stand_id, name="Jiro")).status_code == 201


async def test_registration_never_takes_a_card_number(world: World) -> None:
    """A payment reference that looks like a card number is refused (none is ever stored)."""
    station = await world.station("1.6")
    stand_id = await world.stand(station)
    response = await world.register(stand_id, payment_reference="4111 1111 1111 1111")
    assert response.status_code == 400
    assert "card numbers" in response.json()["error"]
    assert (await world.register(stand_id, email="not-an-email")).status_code == 400
    assert (await world.register("no-such-stand")).status_code == 409  # as a busy one


@pytest.mark.parametrize("version", VERSIONS)
async def test_one_time_password_works_once(
    version: str, world: World, db: asyncpg.Connection
) -> None:
    """The keypad password authorizes one session; used again it fails; it expires."""
    station = await world.station(version)
    stand_id = await world.stand(station, passwords=True)
    issued = (await world.register(stand_id)).json()
    code = issued["password"]
    assert len(code) == 6
    assert code.isdigit()
    assert await station.authorize(code, "KeyCode") == "Accepted"
    tx = await station.start_transaction(1, code, "KeyCode")
    assert tx.id_tag_status == "Accepted"
    await station.stop_transaction(tx)
    assert await station.authorize(code, "KeyCode") == "Invalid"
    row = await db.fetchrow(
        "SELECT visitor_id FROM sessions WHERE station_id = $1", station.station_id
    )
    assert str(row["visitor_id"]) == issued["visitor_id"]
    assert (
        await db.fetchval("SELECT count(*) FROM visitor_passwords WHERE code_hash = $1", code) == 0
    )  # only a digest is stored
    late = (await world.register(stand_id, name="Late")).json()["password"]
    world.clock.advance(1801)
    assert await station.authorize(late, "KeyCode") == "Invalid"


@pytest.mark.parametrize("version", VERSIONS)
async def test_app_start_and_stop(version: str, world: World, db: asyncpg.Connection) -> None:
    """The app's start reaches the station, which starts a session marked as remote."""
    station = await world.station(version)
    account = unique("APP")[:12]
    await world.api.post(
        "/api/accounts",
        json={"account_id": account, "operator_id": world.operator, "name": "Member"},
    )
    started = await world.api.post(
        f"/api/accounts/{account}/sessions", json={"station_id": station.station_id, "evse_id": 1}
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "Accepted"
    async with asyncio.timeout(5):
        while (
            row := await db.fetchrow(
                "SELECT * FROM sessions WHERE station_id = $1", station.station_id
            )
        ) is None:
            await asyncio.sleep(0.02)
    assert row["remote_start_id"] is not None
    assert row["authorization_status"] == "Accepted"
    stopped = await world.api.post(f"/api/accounts/{account}/sessions/{row['session_id']}/stop")
    assert stopped.status_code == 200, stopped.text
    async with asyncio.timeout(5):
        while (
            await db.fetchval("SELECT state FROM sessions WHERE session_id = $1", row["session_id"])
            != "completed"
        ):
            await asyncio.sleep(0.02)
    other = await world.api.post(
        f"/api/accounts/{unique('NOBODY')[:12]}/sessions",
        json={"station_id": station.station_id, "evse_id": 1},
    )
    assert other.status_code == 404


@pytest.mark.parametrize("version", VERSIONS)
async def test_local_list_is_pushed_and_versioned(version: str, world: World) -> None:
    """Card changes reach the operator's stations as versioned local lists."""
    station = await world.station(version)
    first = await world.card()
    assert station.local_list == {first: "Accepted"}
    version_after_first = station.local_list_version
    second = await world.card()
    await world.card("Blocked")
    assert station.local_list[second] == "Accepted"
    assert station.local_list_version == version_after_first + 2
    await world.api.post(
        "/api/cards", json={"id_token": first, "status": "Blocked", "operator_id": world.operator}
    )
    assert station.local_list[first] == "Blocked"  # differential update
    answer = await world.api.get(f"/api/stations/{station.station_id}/local-list-version")
    assert answer.json()["version"] == station.local_list_version == version_after_first + 3


@pytest.mark.parametrize("version", VERSIONS)
async def test_offline_start_with_a_blocked_card_is_recorded_and_flagged(
    version: str, world: World, db: asyncpg.Connection
) -> None:
    """A transaction the station started offline with a now-blocked card is kept, flagged."""
    station = await world.station(version)
    blocked = await world.card("Blocked")
    tx = await station.start_transaction(1, blocked)
    assert tx.id_tag_status == "Blocked"
    row = await db.fetchrow("SELECT * FROM sessions WHERE station_id = $1", station.station_id)
    assert row["state"] == "active"
    assert "Blocked" in row["flag"]


@pytest.mark.parametrize("scenario", ["valid", "blocked", "unknown", "expired"])
async def test_both_versions_get_the_same_answer(scenario: str, world: World) -> None:
    """One rule: the same card gets the same status on a 1.6 and a 2.0.1 station."""
    v16, v201 = await world.station("1.6"), await world.station("2.0.1")
    card = {
        "valid": lambda: world.card(),
        "blocked": lambda: world.card("Blocked"),
        "expired": lambda: world.card(expires_at="2025-01-01T00:00:00+09:00"),
    }.get(scenario)
    token = await card() if card else "FFFFFFFFFFFFFFFF"
    assert await v16.authorize(token) == await v201.authorize(token)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("card", ["Blocked", "unknown"])
async def test_a_session_started_with_a_refused_card_is_held_for_review(
    version: str, card: str, world: World, db: asyncpg.Connection
) -> None:
    """A session the station ran with a card we refuse (blocked, or one we do not know) is not
    billed silently: its statement is needs_review (authorization_refused), no total, counted."""
    station = await world.station(version)
    token = await world.card("Blocked") if card == "Blocked" else "FFFFFFFF00000001"
    tx = await station.start_transaction(1, token)
    await station.charge(tx, 600)
    await station.stop_transaction(tx)
    statement = await db.fetchrow(
        "SELECT st.* FROM statements st JOIN sessions s USING (session_id) WHERE s.station_id = $1",
        station.station_id,
    )
    assert statement["status"] == "needs_review"
    assert statement["total"] is None
    assert statement["inputs"]["review_reason"] == "authorization_refused"
    assert ("Blocked" if card == "Blocked" else "Invalid") in statement["unpriced_reason"]
    metrics = (await world.api.get("/metrics")).text
    assert 'csms_statements_held_total{reason="authorization_refused"}' in metrics
