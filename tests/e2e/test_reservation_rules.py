"""Reservation rules over the real server (seed 002 第10-11条): refusals answered 409, late
cancellations, suspensions, and the clock surviving a restart in the middle of a window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from csms.settings import Settings
from tests.e2e.conftest import api_client, make_settings
from tests.e2e.test_reservations import END, START, T0, VERSIONS, Site


def _settings(dsn: str, **extra: object) -> Settings:
    return make_settings(
        dsn, reservation_poll_s=0.02, outbox_poll_s=0.05, tariff_default_class="ac", **extra
    )


@pytest.fixture
async def site(migrated_dsn: str) -> AsyncIterator[Site]:
    site = Site(migrated_dsn, FixedClock(T0))
    settings = _settings(migrated_dsn, reservation_suspend_after=2)
    async with CentralSystem(settings, clock=site.clock) as system, api_client(system) as api:
        site.system, site.api = system, api
        operator = {"operator_id": site.operator, "name": "Reserving CPO"}
        assert (await api.post("/api/operators", json=operator)).status_code == 201
        yield site
        for station in site.stations:
            await station.close()


def _member_app(site: Site, app_token: str) -> httpx.AsyncClient:
    assert site.api is not None
    return httpx.AsyncClient(
        base_url=str(site.api.base_url),
        headers={"Authorization": f"Bearer {app_token}"},
        timeout=10,
    )


@pytest.mark.parametrize("answer", ["Occupied", "Faulted"])
async def test_a_station_refusing_a_window_that_opens_now_is_409_and_not_honoured(
    answer: str, site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station("2.0.1")
    station.reserve_answer = answer
    account, _, _ = await site.member()
    body = {
        "station_id": station.station_id,
        "evse_id": 1,
        "account_id": account,
        "start": T0.isoformat(),
        "end": (T0 + timedelta(minutes=30)).isoformat(),
    }
    refused = await site.call("POST", "/api/reservations", json=body)
    assert refused.status_code == 409, refused.text
    assert refused.json()["station_status"] == answer
    kept = refused.json()["reservation"]
    assert (await site.reservation(str(kept["reservation_id"])))["status"] == "not_honoured"
    told = await db.fetchval(
        "SELECT count(*) FROM outbox WHERE kind = 'reservation_not_honoured'"
        " AND body LIKE '%' || $1 || '%'",
        station.station_id,
    )
    assert told == 1


async def test_overlaps_and_stations_not_reservable_are_409(site: Site) -> None:
    station = await site.station("1.6")
    account, _, _ = await site.member()
    await site.reserve(station, account)
    body = {
        "station_id": station.station_id,
        "evse_id": 1,
        "account_id": account,
        "start": START.isoformat(),
        "end": (END + timedelta(minutes=30)).isoformat(),
    }
    overlap = await site.call("POST", "/api/reservations", json=body)
    assert overlap.status_code == 409
    assert "reserved" in overlap.json()["error"]
    whole_station = await site.call("POST", "/api/reservations", json=body | {"evse_id": None})
    assert whole_station.status_code == 409
    other = await site.station("1.6", reservable=False)
    closed = await site.call(
        "POST", "/api/reservations", json=body | {"station_id": other.station_id}
    )
    assert closed.status_code == 409
    assert "not reservable" in closed.json()["error"]
    odd = await site.call("POST", "/api/reservations", json=body | {"end": START.isoformat()})
    assert odd.status_code == 400


async def test_late_member_cancellations_are_no_shows_and_suspend(
    site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station("2.0.1")
    account, _, app_token = await site.member()
    async with _member_app(site, app_token) as app:
        for day in range(2):
            start, end = START + timedelta(days=day), END + timedelta(days=day)
            site.at(start - timedelta(minutes=10))
            body = {
                "station_id": station.station_id,
                "evse_id": 1,
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
            made = await app.post("/api/reservations", json=body)
            assert made.status_code == 201, made.text
            assert made.json()["account_id"] == account  # the app's own account
            site.at(start)  # cancelling exactly at the start is too late
            late = await app.delete(f"/api/reservations/{made.json()['reservation_id']}")
            assert late.json()["status"] == "no_show"
            [penalty] = await db.fetch(
                "SELECT total FROM statements WHERE reservation_id = $1::uuid",
                made.json()["reservation_id"],
            )
            assert penalty["total"] == 550
        body |= {
            "start": (START + timedelta(days=3)).isoformat(),
            "end": (END + timedelta(days=3)).isoformat(),
        }
        suspended = await app.post("/api/reservations", json=body)
        assert suspended.status_code == 409
        assert "suspended" in suspended.json()["error"]
        lifted = await site.call("DELETE", f"/api/accounts/{account}/reservation-suspension")
        assert lifted.json() == {"account_id": account, "lifted": True}
        assert (await app.post("/api/reservations", json=body)).status_code == 201


async def test_an_operator_cancelling_after_the_start_charges_nothing(
    site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station("1.6")
    account, _, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START + timedelta(minutes=1))
    cancelled = await site.call("DELETE", f"/api/reservations/{made['reservation_id']}")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_by"] == "operator"
    assert (
        await db.fetchval(
            "SELECT count(*) FROM statements WHERE reservation_id = $1::uuid",
            made["reservation_id"],
        )
        == 0
    )


async def test_the_end_can_change_after_the_start_and_the_station_is_told(site: Site) -> None:
    station = await site.station("2.0.1")
    account, _, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START + timedelta(minutes=1))
    await site.until_status(made["reservation_id"], "active")
    later = (END + timedelta(minutes=30)).isoformat()
    changed = await site.call(
        "PATCH", f"/api/reservations/{made['reservation_id']}", json={"end": later}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["end"].startswith(
        (END + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    )
    sent = station.received("ReserveNow")
    assert len(sent) == 2
    assert sent[1]["expiryDateTime"].startswith("2025-06-02T02:10")


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_clock_survives_a_restart_in_the_middle_of_a_window(
    version: str, migrated_dsn: str, db: asyncpg.Connection
) -> None:
    site = Site(migrated_dsn, FixedClock(T0))
    settings = _settings(migrated_dsn)
    async with CentralSystem(settings, clock=site.clock) as system, api_client(system) as api:
        site.system, site.api = system, api
        await api.post("/api/operators", json={"operator_id": site.operator, "name": "CPO"})
        station = await site.station(version)
        account, _, _ = await site.member()
        made = await site.reserve(station, account)
        site.at(START + timedelta(minutes=5))  # inside the window
        await site.until_status(made["reservation_id"], "active")
        await station.close()
    site.at(END + timedelta(minutes=1))  # the window ended while no server ran
    async with CentralSystem(settings, clock=site.clock) as system, api_client(system) as api:
        site.system, site.api = system, api
        await site.until_status(made["reservation_id"], "no_show")
    penalties = await db.fetch(
        "SELECT total FROM statements WHERE reservation_id = $1::uuid", made["reservation_id"]
    )
    assert [p["total"] for p in penalties] == [550]


async def test_an_account_with_a_confirmed_reservation_cannot_be_closed(site: Site) -> None:
    station = await site.station("2.0.1")
    account, card, _ = await site.member()
    made = await site.reserve(station, account)
    refused = await site.call("POST", f"/api/accounts/{account}/close")
    assert refused.status_code == 409
    assert "confirmed reservation" in refused.json()["error"]
    await site.call("DELETE", f"/api/reservations/{made['reservation_id']}")
    closed = await site.call("POST", f"/api/accounts/{account}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json() == {"account_id": account, "status": "closed"}
    assert await station.authorize(card) != "Accepted"  # its card no longer charges
