"""An operator's charging profiles on 1.6 and 2.0.1 (OCPP 1.6 §3.13, 2.0.1 K01/K08/K10):
create, list by description, delete (ClearChargingProfile, the record kept as cleared),
the composite schedule, a profile for an offline station sent when it connects, and a
station's own limits respected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

VERSIONS = ["1.6", "2.0.1"]
PROFILE = {
    "purpose": "TxDefaultProfile",
    "stack_level": 1,
    "kind": "Absolute",
    "schedule": {
        "unit": "A",
        "start": "2025-06-02T00:00:00+00:00",
        "periods": [{"start_s": 0, "limit": 16}, {"start_s": 3600, "limit": 7.5}],
    },
}


def _wire_profile(version: str, call: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (
        call["csChargingProfiles"] if version == "1.6" else call["chargingProfile"]
    )
    return found


@pytest.mark.parametrize("version", VERSIONS)
async def test_create_list_clear_and_composite(
    version: str, api: httpx.AsyncClient, connect_station: Any
) -> None:
    station = await connect_station(version)
    description = f"evening cap {version}"
    body = {"description": description, "evse_id": 1, "profile": PROFILE}
    made = await api.post(f"/api/stations/{station.station_id}/charging-profiles", json=body)
    assert made.status_code == 201, made.text
    stored = made.json()
    assert stored["status"] == "accepted"
    assert stored["profile"]["schedule"]["periods"][1]["limit"] == "7.5"  # exact, not 7.5000001
    [sent] = station.received("SetChargingProfile")
    wire = _wire_profile(version, sent)
    wire_id = wire["chargingProfileId"] if version == "1.6" else wire["id"]
    assert wire_id == stored["ocpp_profile_id"]
    schedule = wire["chargingSchedule"] if version == "1.6" else wire["chargingSchedule"][0]
    assert [p["limit"] for p in schedule["chargingSchedulePeriod"]] == [16, 7.5]
    listed = await api.get("/api/charging-profiles", params={"description": description})
    assert [p["profile_id"] for p in listed.json()["charging_profiles"]] == [stored["profile_id"]]
    composite = await api.get(
        f"/api/stations/{station.station_id}/composite-schedule",
        params={"evse_id": 1, "duration_s": 600, "unit": "A"},
    )
    assert composite.status_code == 200, composite.text
    [asked] = station.received("GetCompositeSchedule")
    assert asked["duration"] == 600
    assert asked["connectorId" if version == "1.6" else "evseId"] == 1
    cleared = await api.delete(f"/api/charging-profiles/{stored['profile_id']}")
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["status"] == "cleared"
    [clear] = station.received("ClearChargingProfile")
    assert clear.get("id", clear.get("chargingProfileId")) == stored["ocpp_profile_id"]
    again = await api.get("/api/charging-profiles", params={"station_id": station.station_id})
    assert again.json()["charging_profiles"][0]["status"] == "cleared"  # the record is kept


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_profile_for_an_offline_station_is_sent_when_it_connects(
    version: str, api: httpx.AsyncClient, connect_station: Any
) -> None:
    station = await connect_station(version)
    station_id = station.station_id
    await station.close()
    body = {"description": "pending", "evse_id": 0, "profile": PROFILE}
    made = await api.post(f"/api/stations/{station_id}/charging-profiles", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"
    back = await connect_station(version, station_id=station_id)
    import asyncio

    for _ in range(100):
        if back.received("SetChargingProfile"):
            break
        await asyncio.sleep(0.05)
    assert back.received("SetChargingProfile")
    for _ in range(100):
        listed = await api.get("/api/charging-profiles", params={"station_id": station_id})
        if listed.json()["charging_profiles"][0]["status"] != "pending":
            break
        await asyncio.sleep(0.05)
    assert listed.json()["charging_profiles"][0]["status"] == "accepted"


@pytest.mark.parametrize(
    "bad",
    [
        {"stack_level": -1},
        {"kind": "Sometimes"},
        {"purpose": "Whatever"},
        {"schedule": {"unit": "kW", "periods": [{"start_s": 0, "limit": 1}]}},
        {"schedule": {"unit": "A", "periods": [{"start_s": 5, "limit": 1}]}},
        {"schedule": {"unit": "A", "periods": [{"start_s": 0, "limit": 7.25}]}},
        {"kind": "Recurring"},
    ],
)
async def test_bad_profiles_are_400(
    bad: dict[str, Any], api: httpx.AsyncClient, connect_station: Any
) -> None:
    station = await connect_station("2.0.1")
    body = {"evse_id": 1, "profile": PROFILE | bad}
    answer = await api.post(f"/api/stations/{station.station_id}/charging-profiles", json=body)
    assert answer.status_code == 400, answer.text
    assert station.received("SetChargingProfile") == []
