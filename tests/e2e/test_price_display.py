"""The price on the charger's screen (seed 002 第10条), from the same pricer as the statement:
2.0.1 CostUpdated and the Ended answer's totalCost and personal message; 1.6 the Open Charge
Alliance's costmsg DataTransfer for stations configured for it. What the simulator shows
last is the statement's total."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest

from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings
from tests.e2e.test_reservations import T0, eventually


@pytest.fixture
async def system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    settings = make_settings(migrated_dsn, tariff_default_class="ac", cost_interval_s=0)
    async with CentralSystem(settings) as running:
        yield running


@pytest.fixture
async def api(system: CentralSystem) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(system) as client:
        yield client


async def _station(
    system: CentralSystem, api: httpx.AsyncClient, version: str
) -> tuple[SimulatedStation, str]:
    """A booted station of a new operator, and a member card of that operator."""
    station = SimulatedStation(
        unique("PRC"), version, PROFILES["normal-ac-6kw"], SimClock(T0, speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    await station.boot()
    operator = unique("OP")
    await api.post("/api/operators", json={"operator_id": operator, "name": "CPO"})
    path = f"/api/stations/{station.station_id}/operator"
    assert (await api.put(path, json={"operator_id": operator})).status_code == 200
    card = unique("C").replace("-", "").upper()[:16]
    made = await api.post("/api/cards", json={"id_token": card, "operator_id": operator})
    assert made.status_code == 201, made.text
    return station, card


async def _total(db: asyncpg.Connection, station_id: str) -> Decimal:
    async def probe() -> Decimal | None:
        found: Decimal | None = await db.fetchval(
            "SELECT st.total FROM statements st JOIN sessions s USING (session_id)"
            " WHERE s.station_id = $1 AND st.status = 'issued'",
            station_id,
        )
        return found

    return await eventually(probe)


async def _session(station: SimulatedStation, card: str) -> None:
    tx = await station.start_transaction(1, card)
    for _ in range(3):
        await station.charge(tx, 600)  # 10 minutes at 6 kW: 1 kWh
        await station.meter_values(tx)
    await station.stop_transaction(tx)


async def test_a_2_0_1_station_shows_the_running_and_the_final_cost(
    system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    station, card = await _station(system, api, "2.0.1")
    await _session(station, card)
    total = await _total(db, station.station_id)
    assert total > 0
    await eventually(lambda: _received(station, "CostUpdated"))
    running = [d for d in station.display if d.kind == "running"]
    assert running
    assert all(Decimal(d.cost or "0") <= total for d in running)
    final = station.display[-1]
    assert final.kind == "final"
    assert Decimal(final.cost or "") == total
    assert station.displayed_text == f"料金 {int(total):,}円（税込）"
    await station.close()


async def _received(station: SimulatedStation, action: str) -> bool:
    return bool(station.received(action))


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_a_1_6_station_configured_for_costmsg_shows_price_running_and_final_cost(
    language: str, system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    station, card = await _station(system, api, "1.6")
    body = {"cost_messages": True, "language": language}
    set_up = await api.put(f"/api/stations/{station.station_id}/price-display", json=body)
    assert set_up.status_code == 200, set_up.text
    await _session(station, card)
    total = await _total(db, station.station_id)

    async def final_shown() -> bool:
        return any(d.kind == "final" for d in station.display)

    await eventually(final_shown)
    kinds = [d.kind for d in station.display]
    assert kinds[0] == "price"
    assert "running" in kinds
    assert kinds[-1] == "final"
    assert Decimal(station.display[-1].cost or "") == total  # what is billed
    text = station.display[-1].text or ""
    expected = (
        f"Cost {int(total):,} yen (tax incl.)"
        if language == "en"
        else f"料金 {int(total):,}円（税込）"
    )
    assert text == expected
    await station.close()


async def test_a_1_6_station_not_configured_gets_no_cost_messages(
    system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    station, card = await _station(system, api, "1.6")
    await _session(station, card)
    await _total(db, station.station_id)
    assert station.received("DataTransfer") == []
    assert station.display == []
    await station.close()
