"""The operator console in a real browser (issue 17): headless Chromium of the OS packages,
driven by Playwright, against the real server, PostgreSQL and the simulator over real
sockets. An operator logs in, sees a station go from Available to Charging live, opens the
session (its chart and statement), sends a reset and sees the station's answer, and closes a
stuck session; a viewer sees no command buttons and masked card ids. Screenshots of the main
pages are written to ``artifacts/screenshots/``."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from csms.access.models import Role
from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from csms.console.pages import ROUTE_TABLE
from csms.console.sessions import COOKIE
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings, new_key
from tests.e2e.test_reservations import T0

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def chromium() -> str:
    """The OS's Chromium (``./dev test`` installs it when missing)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError("no Chromium: ./dev test installs it (apt-get install chromium)")


@pytest.fixture
async def system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    settings = make_settings(migrated_dsn, tariff_default_class="ac")
    async with CentralSystem(settings) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def _login(browser: Browser, system: CentralSystem, key: str) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = await context.new_page()
    await page.goto(f"http://127.0.0.1:{system.api_port}/console/login")
    await page.fill("#api_key", key)
    await page.click("button[type=submit]")
    await expect(page.locator("h1")).to_contain_text("稼働状況")
    return page


async def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_an_operator_watches_commands_and_closes_a_session_and_a_viewer_only_reads(
    system: CentralSystem, browser: Browser
) -> None:
    station = SimulatedStation(
        unique("WEB"), "1.6", PROFILES["normal-ac-6kw"], SimClock(T0, speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    await station.boot()
    await station.status(1, "Available")
    card = unique("C").replace("-", "").upper()[:16]
    operator_id = unique("OP")
    async with api_client(system) as api:
        await api.post("/api/operators", json={"operator_id": operator_id, "name": "CPO"})
        path = f"/api/stations/{station.station_id}/operator"
        assert (await api.put(path, json={"operator_id": operator_id})).status_code == 200
        made = await api.post("/api/cards", json={"id_token": card, "operator_id": operator_id})
        assert made.status_code == 201

    page = await _login(browser, system, await new_key(system, Role.OPERATOR, operator_id))
    cell = page.locator(f"[id='st-{station.station_id}/1']")
    await expect(cell).to_have_text("Available")
    tx = await station.start_transaction(1, card)
    await station.status(1, "Charging")
    await expect(cell).to_have_text("Charging", timeout=10_000)  # live, no reload
    await _shot(page, "overview")
    for _ in range(3):
        await station.charge(tx, 600)
        await station.meter_values(tx)

    await page.click(f"text={station.station_id}")
    await page.click("button[value=reset_soft]")
    await expect(page.locator("#flash")).to_contain_text("Accepted")
    await _shot(page, "station")
    await page.click("button[value=configuration]")
    await expect(page.locator("#flash")).to_contain_text("HeartbeatInterval")

    await page.click("a[href^='/console/sessions/']")
    await expect(page.locator("#chart svg")).to_be_visible()
    await expect(page.locator("#chart svg polyline")).to_have_count(2)  # power and energy
    await page.fill("#reason", "the station lost its session")
    await page.click("#close button")
    await expect(page.locator("#flash")).to_contain_text("終了しました")
    await expect(page.locator("#statement tbody tr").first).to_be_visible()
    await expect(page.locator("#statement tfoot")).to_contain_text("うち消費税")
    await _shot(page, "session")

    qr = await page.context.request.get(
        f"http://127.0.0.1:{system.api_port}/console/stand-qr?stand_id=SID-1&kind=svg"
    )
    assert qr.status == 200
    assert qr.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in await qr.body()

    viewer = await _login(browser, system, await new_key(system, Role.VIEWER, operator_id))
    await viewer.goto(f"http://127.0.0.1:{system.api_port}/console/stations/{station.station_id}")
    await expect(viewer.locator("h1")).to_contain_text(station.station_id)
    assert await viewer.locator("button.cmd").count() == 0  # no command buttons
    cards = await viewer.locator("td.card").all_inner_texts()
    assert cards
    assert all("*" in text and text != card for text in cards)  # masked
    await viewer.goto(f"http://127.0.0.1:{system.api_port}/console/lists/cards")
    listed = await viewer.locator("#listing td.card").all_inner_texts()
    assert listed
    assert all("*" in text for text in listed if text), listed
    assert card not in await viewer.content()
    csv = await page.context.request.get(
        f"http://127.0.0.1:{system.api_port}/console/statements.csv"
    )
    assert csv.status == 200
    assert "session_id" in (await csv.text()).splitlines()[0]
    await station.close()


async def _console_client(system: CentralSystem, key: str) -> tuple[httpx.AsyncClient, str]:
    """A logged-in console client (the cookie set by hand: it is Secure, and httpx would not
    send it over http by itself) and its session's CSRF token (from the logout form)."""
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.api_port}")
    login = await client.post("/console/login", data={"api_key": key})
    assert login.status_code == 303
    assert "httponly" in login.headers["set-cookie"].lower()
    assert "samesite=strict" in login.headers["set-cookie"].lower()
    cookie = login.cookies[COOKIE]
    client.cookies.clear()
    client.headers["Cookie"] = f"{COOKIE}={cookie}"
    page = await client.get("/console")
    assert page.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    return client, token[1]


def _concrete(path: str) -> str:
    for name, value in (("{station_id}", "X"), ("{session_id}", "X"), ("{language}", "en")):
        path = path.replace(name, value)
    return path


async def test_no_console_page_is_served_without_the_role_it_needs(system: CentralSystem) -> None:
    """Walked from the console's route table: a page needs a login; a change needs a role
    that may change things and the session's CSRF token; a cross-site form is refused."""
    mounted = {getattr(route, "path", "") for route in system.api_app.routes}
    pages = [(method, path, permission) for method, path, permission, _ in ROUTE_TABLE]
    assert {path for _, path, _ in pages} <= mounted
    operator_id = unique("OP")
    async with api_client(system) as api:
        await api.post("/api/operators", json={"operator_id": operator_id, "name": "CPO"})
    viewer, viewer_token = await _console_client(system, await new_key(system, Role.VIEWER))
    operator, operator_token = await _console_client(
        system, await new_key(system, Role.OPERATOR, operator_id)
    )
    assert (await viewer.get("/console/lists/api-keys")).status_code == 403  # admin only
    assert (await viewer.get("/console/lists/operators")).status_code == 200
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.api_port}") as anonymous:
        for method, path, permission in pages:
            concrete = _concrete(path)
            if permission != "public":
                answer = await anonymous.request(method, concrete, data={"csrf": "x"})
                assert answer.status_code == 303, (method, path)  # to the login
                assert answer.headers["location"] == "/console/login"
            if permission != "change":
                continue
            as_viewer = await viewer.request(method, concrete, data={"csrf": viewer_token})
            assert as_viewer.status_code == 403, (method, path)  # the role, not the token
            forged = await operator.request(method, concrete, data={"csrf": "forged"})
            assert forged.status_code == 403, (method, path)
            cross = await operator.request(
                method, concrete, data={"csrf": operator_token}, headers={"Origin": "http://evil"}
            )
            assert cross.status_code == 403, (method, path)
            allowed = await operator.request(method, concrete, data={"csrf": operator_token})
            assert allowed.status_code in (303, 400), (method, path)  # taken (bad or unknown X)
            assert allowed.headers.get("location") != "/console/login"
        cross_login = await anonymous.post(
            "/console/login", data={"api_key": "x"}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert cross_login.status_code == 403  # no login CSRF
    await viewer.aclose()
    await operator.aclose()


@pytest.fixture
async def visitors_system(migrated_dsn: str) -> AsyncIterator[tuple[CentralSystem, FixedClock]]:
    clock = FixedClock(T0)
    settings = make_settings(migrated_dsn, tariff_default_class="ac")
    async with CentralSystem(settings, clock=clock) as running:
        yield running, clock


async def _stand(system: CentralSystem, station: SimulatedStation, evse_id: int) -> str:
    stand_id = unique("SID")
    async with api_client(system) as api:
        body = {"stand_id": stand_id, "station_id": station.station_id, "evse_id": evse_id}
        assert (await api.post("/api/stands", json=body)).status_code == 201
    return stand_id


async def _visit(browser: Browser, system: CentralSystem, stand_id: str) -> Page:
    """A phone-sized page at the stand's URL (its QR code), registered."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = await context.new_page()
    await page.goto(f"http://127.0.0.1:{system.public_port}/v/{stand_id}")
    await expect(page.locator("#price")).to_contain_text("税込")  # step 1: the price
    await page.fill("#name", "山田 花子")
    await page.fill("#email", "hanako@example.jp")
    await page.click("#visit button[type=submit]")
    await expect(page.locator("#countdown")).to_contain_text("秒")  # the 60 s window
    return page


async def test_a_visitor_registers_on_a_phone_touches_a_card_or_lets_the_window_expire(
    visitors_system: tuple[CentralSystem, FixedClock], browser: Browser
) -> None:
    system, clock = visitors_system
    station = SimulatedStation(
        unique("VIS"), "1.6", PROFILES["normal-ac-6kw"], SimClock(T0, speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    await station.boot()
    page = await _visit(browser, system, await _stand(system, station, 1))
    await _shot(page, "visitor-countdown")
    felica = "012E4CD1A2B3C4D5"
    assert await station.authorize(felica) == "Accepted"  # any FeliCa card, touched
    tx = await station.start_transaction(1, felica)
    await expect(page.locator("#result")).to_contain_text("充電を開始しました")
    await _shot(page, "visitor-charging")
    await station.charge(tx, 600)
    await station.stop_transaction(tx)
    await expect(page.locator("#result")).to_contain_text("料金 / fee: ", timeout=10_000)
    await expect(page.locator("#result")).to_contain_text("円")

    late = await _visit(browser, system, await _stand(system, station, 2))
    clock.advance(61)
    await expect(late.locator("#result")).to_contain_text("時間切れ")
    await station.close()
