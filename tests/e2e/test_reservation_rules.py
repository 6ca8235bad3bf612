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
from tests.e2e.test_reservations import END, START, T0, VERSIONS, Site, eventually


def _settings(dsn: str, **extra: object) -> Settings:
    return make_settings(
        dsn,
        reservation_poll_s=0.02,
        outbox_poll_s=0.05,
        tariff_default_class="ac",
        **({"reservation_end_grace_s": 0} | extra),
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
            with_card = await app.post("/api/reservations", json=body | {"id_token": "X1"})
            assert with_card.status_code == 400  # a member books with its own tokens only
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
        site.at(START + timedelta(minutes=5))  # inside the window: the station holds it
        await site.until_status(made["reservation_id"], "active")
    await station.close()
    async with CentralSystem(settings, clock=site.clock) as system, api_client(system) as api:
        site.system, site.api = system, api  # a new run, in the middle of the window
        await station.connect(site.ocpp_url)
        await station.boot()
        assert (await site.reservation(made["reservation_id"]))["status"] == "active"
        site.at(END)  # the window ends under the new run's clock
        await site.until_status(made["reservation_id"], "no_show")
        await eventually(lambda: _cancelled(station))
        await station.close()
    penalties = await db.fetch(
        "SELECT total FROM statements WHERE reservation_id = $1::uuid", made["reservation_id"]
    )
    assert [p["total"] for p in penalties] == [550]  # decided once


async def _cancelled(station: object) -> bool:
    return bool(station.received("CancelReservation"))  # type: ignore[attr-defined]


async def test_a_2_0_1_station_s_own_expiry_at_the_end_is_still_a_no_show(
    site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station("2.0.1")
    account, _, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START - timedelta(minutes=5))
    await site.until_status(made["reservation_id"], "active")
    site.at(END - timedelta(seconds=10))  # the station's clock is a little ahead
    await station.reservation_status_update(made["ocpp_reservation_id"], "Expired")
    assert (await site.reservation(made["reservation_id"]))["status"] == "active"
    site.at(END)
    await site.until_status(made["reservation_id"], "no_show")
    assert (
        len(
            await db.fetch(
                "SELECT 1 FROM statements WHERE reservation_id = $1::uuid", made["reservation_id"]
            )
        )
        == 1
    )


async def test_a_2_0_1_station_removing_a_reservation_early_makes_it_not_honoured(
    site: Site, db: asyncpg.Connection
) -> None:
    station = await site.station("2.0.1")
    account, _, _ = await site.member()
    made = await site.reserve(station, account)
    site.at(START + timedelta(minutes=1))
    await site.until_status(made["reservation_id"], "active")
    await station.reservation_status_update(made["ocpp_reservation_id"], "Removed")
    await site.until_status(made["reservation_id"], "not_honoured")
    site.at(END)
    assert (
        len(
            await db.fetch(
                "SELECT 1 FROM statements WHERE reservation_id = $1::uuid", made["reservation_id"]
            )
        )
        == 0
    )


@pytest.mark.parametrize("version", VERSIONS)
async def test_an_app_start_uses_a_reservation_booked_with_the_member_s_card(
    version: str, site: Site
) -> None:
    station = await site.station(version)
    account, _, _ = await site.member()
    made = await site.reserve(station, account)  # by the operator: the account's card
    site.at(START + timedelta(minutes=1))
    await site.until_status(made["reservation_id"], "active")
    await station.clock.advance(
        (START + timedelta(minutes=1) - station.clock.now()).total_seconds()
    )
    started = await site.call(
        "POST",
        f"/api/accounts/{account}/sessions",
        json={"station_id": station.station_id, "evse_id": 1},
    )
    assert started.status_code == 200, started.text

    async def remote_started() -> bool:
        return bool(station.remote_started)

    await eventually(remote_started)
    tx = station.remote_started[0]
    await station.stop_transaction(tx)
    site.at(END)
    found = await site.until_status(made["reservation_id"], "used")  # not a no-show
    assert found["session_id"] is not None


async def test_a_start_just_before_the_end_arriving_late_still_counts(
    migrated_dsn: str, db: asyncpg.Connection
) -> None:
    site = Site(migrated_dsn, FixedClock(T0))
    settings = _settings(migrated_dsn, reservation_end_grace_s=60)
    async with CentralSystem(settings, clock=site.clock) as system, api_client(system) as api:
        site.system, site.api = system, api
        await api.post("/api/operators", json={"operator_id": site.operator, "name": "CPO"})
        station = await site.station("1.6")
        account, card, _ = await site.member()
        made = await site.reserve(station, account)
        site.at(START - timedelta(minutes=5))
        await site.until_status(made["reservation_id"], "active")
        site.at(END + timedelta(seconds=20))  # the end passed, within the grace
        await station.clock.advance(
            (END - timedelta(seconds=5) - station.clock.now()).total_seconds()
        )
        tx = await station.start_transaction(1, card)  # started 5 s before the end, sent late
        await site.until_status(made["reservation_id"], "used")
        await station.stop_transaction(tx)
        await station.close()
    assert (
        len(
            await db.fetch(
                "SELECT 1 FROM statements WHERE reservation_id = $1::uuid", made["reservation_id"]
            )
        )
        == 0
    )


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
