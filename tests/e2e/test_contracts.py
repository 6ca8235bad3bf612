"""Monthly contracts over the real API and PostgreSQL (seed 003 Charge Club, 001): one
contract per place of use, its term (第16条), termination and hand-back, and the month's
readings recorded, imported from CSV (all or nothing) or taken from the charger's register."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique


def _contract(**extra: Any) -> dict[str, Any]:
    return {
        "contract_id": unique("CC")[:20],
        "customer_id": unique("CUST")[:20],
        "customer_name": "山田 太郎",
        "place_id": unique("PLACE")[:20],
        "parking_space": "B-12",
        "plan_id": "chargeclub-standard",
        "start_date": "2024-05-10",
        "meter": {"serial": "EG-000123", "maker": "エネゲート", "model": "EEM-W1N12", "year": 2024},
        **extra,
    }


async def test_a_contract_its_term_and_one_per_place(api: httpx.AsyncClient) -> None:
    body = _contract()
    made = await api.post("/api/contracts", json=body)
    assert made.status_code == 201, made.text
    answer = made.json()
    assert answer["first_term_ends_on"] == "2025-05-09"  # a year from the start, less a day
    assert answer["contract"]["meter"]["model"] == "EEM-W1N12"
    second = await api.post("/api/contracts", json=_contract(place_id=body["place_id"]))
    assert second.status_code == 409  # one contract per place of use (001)
    ended = await api.post(
        f"/api/contracts/{body['contract_id']}/termination",
        json={"terminated_on": "2024-11-30", "handed_back_on": "2024-12-05"},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended"
    assert ended.json()["renews"] is False
    again = await api.post("/api/contracts", json=_contract(place_id=body["place_id"]))
    assert again.status_code == 201  # the space was handed back: the place is free


async def test_readings_by_api_and_csv_all_or_nothing(api: httpx.AsyncClient) -> None:
    body = _contract()
    assert (await api.post("/api/contracts", json=body)).status_code == 201
    path = f"/api/contracts/{body['contract_id']}/readings/2025-05"
    put = await api.put(path, json={"opening_kwh": "1203.45", "closing_kwh": "1391.07"})
    assert put.status_code == 200, put.text
    assert put.json()["closing_kwh"] == "1391.07"  # as read, exactly
    lower = await api.put(path, json={"opening_kwh": "10", "closing_kwh": "9"})
    assert lower.status_code == 400
    good = f"{body['contract_id']},2025-06,1391.07,1500.5"
    bad = f"{body['contract_id']},2025-07,1500.5,1400"
    refused = await api.post("/api/contract-readings", json={"csv": f"{good}\n{bad}\n"})
    assert refused.status_code == 400
    assert "row 2" in refused.json()["error"]
    header = "contract_id,month,opening_kwh,closing_kwh"
    imported = await api.post("/api/contract-readings", json={"csv": f"{header}\n{good}\n"})
    assert imported.status_code == 201, imported.text
    assert imported.json() == {"imported": 1}


async def test_a_month_read_from_the_charger(api: httpx.AsyncClient, ws_url: str) -> None:
    start = datetime(2025, 5, 31, 14, 0, tzinfo=UTC)  # 23:00 JST on the last day of May
    station = SimulatedStation(unique("CCS"), "1.6", PROFILES["normal-ac-6kw"], SimClock(start, 0))
    await station.connect(ws_url)
    await station.boot()
    tx = await station.start_transaction(1, unique("C")[:16])
    await station.meter_values(tx)  # May's last reading (the opening of June)
    opening = station.register(1)
    await station.charge(tx, 3600 * 2)  # two hours at 6 kW, into June (JST)
    await station.meter_values(tx)
    closing = station.register(1)
    await station.stop_transaction(tx)
    body = _contract(station_id=station.station_id, evse_id=1)
    assert (await api.post("/api/contracts", json=body)).status_code == 201
    read = await api.post(f"/api/contracts/{body['contract_id']}/readings/2025-06/from-charger")
    assert read.status_code == 201, read.text
    assert Decimal(read.json()["opening_kwh"]) == Decimal(opening) / 1000
    assert Decimal(read.json()["closing_kwh"]) == Decimal(closing) / 1000
    assert Decimal(closing - opening) == Decimal(12000)  # 12 kWh in June
    await station.close()
