"""Tariffs as operator-managed data over real sockets: created through the API, assigned,
pricing the next session of the station without a restart; a used version is immutable."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from csms.access.models import Role
from csms.authorization.models import TokenStatus
from csms.bootstrap import CentralSystem
from simulators.scenario import run_session
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client

CARD = "TARIFFMEMBER0001"
FEB_10 = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)  # 10:00 JST


def flat_tariff(
    tariff_id: str,
    price: str = "500",
    valid_to: str | None = None,
    valid_from: str = "2025-01-01",
) -> dict[str, Any]:
    return {
        "id": tariff_id,
        "name": "Test flat fee",
        "source": "e2e test",
        "currency": "JPY",
        "tax_rate_percent": "10",
        "versions": [
            {
                "version": "v1",
                "valid_from": valid_from,
                "valid_to": valid_to,
                "components": [{"type": "flat", "price": price}],
            }
        ],
    }


async def _session(
    system: CentralSystem, station_id: str, version: str = "2.0.1", *, hour: int = 0
) -> None:
    """One 20-minute session starting ``hour`` hours after FEB_10 (later ones list first)."""
    start = FEB_10 + timedelta(hours=hour)
    station = SimulatedStation(station_id, version, PROFILES["normal-ac-6kw"], SimClock(start, 0))
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    try:
        await station.boot()
        await run_session(station, connector=1, id_tag=CARD, duration_s=1200, sample_interval_s=600)
    finally:
        await station.close()


async def _last_statement(api: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    listed = (await api.get("/api/sessions", params={"station_id": station_id})).json()
    session_id = listed["sessions"][0]["session_id"]
    answer = await api.get(f"/api/sessions/{session_id}/statement")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_tariff_made_through_the_api_prices_the_next_session_and_then_is_fixed(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    """POST a tariff, PUT it on a station, the next session is priced by it (no restart);
    a changed content for the version the statement used is 409; a new version is 201."""
    assert central_system.admin is not None
    await central_system.admin.set_token(CARD, TokenStatus.ACCEPTED)
    tariff_id, station_id = unique("e2e-flat"), unique("TARIFF-CP")
    await _session(central_system, station_id)  # registered (development mode), unpriced
    assert (await _last_statement(api, station_id))["status"] == "unpriced"

    created = await api.post("/api/tariffs", json=flat_tariff(tariff_id))
    assert created.status_code == 201, created.text
    assert created.json()["created"] == ["v1"]
    assigned = await api.put(f"/api/stations/{station_id}/tariff", json={"tariff_id": tariff_id})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["applies"] == {"tariff_id": tariff_id, "level": "station"}

    await _session(central_system, station_id, "1.6", hour=1)
    statement = await _last_statement(api, station_id)
    assert statement["status"] == "issued", statement
    assert (statement["tariff_id"], statement["tariff_version"]) == (tariff_id, "v1")
    assert statement["total"] == "500"

    changed = await api.post("/api/tariffs", json=flat_tariff(tariff_id, price="600"))
    assert changed.status_code == 409, changed.text
    assert "v1" in changed.json()["error"]
    again = await api.post("/api/tariffs", json=flat_tariff(tariff_id))
    assert (again.status_code, again.json()["unchanged"]) == (200, ["v1"])
    shown = (await api.get(f"/api/tariffs/{tariff_id}")).json()
    assert shown["versions"][0]["used_by_statements"] is True
    assert shown["versions"][0]["components"] == [{"type": "flat", "price": "500"}]

    # closing the used version (not before the session it priced) and adding the next one
    following = flat_tariff(tariff_id, valid_to="2025-02-28")
    following["versions"].append(
        {
            "version": "v2",
            "valid_from": "2025-03-01",
            "valid_to": None,
            "components": [{"type": "flat", "price": "600"}],
        }
    )
    too_early = copy.deepcopy(following)
    too_early["versions"][0]["valid_to"] = "2025-02-09"
    too_early["versions"][1]["valid_from"] = "2025-02-10"
    assert (await api.post("/api/tariffs", json=too_early)).status_code == 409
    saved = await api.post("/api/tariffs", json=following)
    assert saved.status_code == 201, saved.text
    assert (saved.json()["created"], saved.json()["closed"]) == (["v2"], ["v1"])


async def test_an_unused_version_is_replaced_and_validation_names_the_field(
    api: httpx.AsyncClient,
) -> None:
    tariff_id = unique("e2e-unused")
    future = flat_tariff(tariff_id, valid_from="2099-01-01")
    assert (await api.post("/api/tariffs", json=future)).status_code == 201
    replaced = await api.post(
        "/api/tariffs", json=flat_tariff(tariff_id, price="450", valid_from="2099-01-01")
    )
    assert (replaced.status_code, replaced.json()["replaced"]) == (200, ["v1"])
    in_force_id = unique("e2e-in-force")  # unused, but it may be pricing a session now
    assert (await api.post("/api/tariffs", json=flat_tariff(in_force_id))).status_code == 201
    changed = await api.post("/api/tariffs", json=flat_tariff(in_force_id, price="450"))
    assert changed.status_code == 409, changed.text
    assert "in force" in changed.json()["error"]
    bad = flat_tariff(unique("e2e-bad"), price="-1")
    answer = await api.post("/api/tariffs", json=bad)
    assert answer.status_code == 400
    assert "versions[0].components[0].price" in answer.json()["error"]
    decimal_id = unique("e2e-decimal")
    text = '{"id": "' + decimal_id + '", "name": "n", "versions": [{"version": "a", "components": ['
    numbers = await api.post(
        "/api/tariffs",
        content=(text + '{"type": "flat", "price": 8.8}]}]}').encode(),
        headers={"Content-Type": "application/json"},
    )
    assert numbers.status_code == 201, numbers.text  # a JSON number is read exactly
    version = numbers.json()["tariff"]["versions"][0]
    assert version["components"] == [{"type": "flat", "price": "8.8"}]
    overlapping = flat_tariff(tariff_id)
    overlapping["versions"].append(dict(overlapping["versions"][0], version="v9"))
    answer = await api.post("/api/tariffs", json=overlapping)
    assert answer.status_code == 400, answer.text
    assert "overlaps" in answer.json()["error"]


async def test_list_and_show_are_for_every_key_creating_is_for_admins(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    tariff_id = unique("e2e-listed")
    assert (await api.post("/api/tariffs", json=flat_tariff(tariff_id))).status_code == 201
    async with api_client(central_system, Role.VIEWER) as viewer:
        listed = (await viewer.get("/api/tariffs")).json()["tariffs"]
        assert tariff_id in [t["id"] for t in listed]
        assert "emp-normal" in [t["id"] for t in listed]  # the shipped files, imported
        assert (await viewer.get(f"/api/tariffs/{tariff_id}")).json()["id"] == tariff_id
        assert (await viewer.get("/api/tariffs/no-such")).status_code == 404
        assert (await viewer.post("/api/tariffs", json=flat_tariff("v"))).status_code == 403
        classes = (await viewer.get("/api/tariff-assignments")).json()["classes"]
        assert classes["ac"] == "emp-normal"
    operator = unique("OPT")
    assert (
        await api.post("/api/operators", json={"operator_id": operator, "name": "T"})
    ).status_code == 201
    async with api_client(central_system, Role.OPERATOR, operator) as op:
        assert (await op.post("/api/tariffs", json=flat_tariff("o"))).status_code == 403
        assert (await op.put("/api/charger-classes/ac/tariff", json={})).status_code == 403
        assert (await op.get("/api/tariffs")).status_code == 200


async def test_an_operator_assigns_only_its_own_stations(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    assert central_system.admin is not None
    mine, theirs = unique("OPMINE"), unique("OPTHEIRS")
    for operator in (mine, theirs):
        made = await api.post("/api/operators", json={"operator_id": operator, "name": "X"})
        assert made.status_code == 201
    stations = {}
    for operator in (mine, theirs):
        station_id = unique("ASSIGN")
        await central_system.admin.add_station(station_id, "a-station-key-of-24-b!")
        moved = await api.put(
            f"/api/stations/{station_id}/operator", json={"operator_id": operator}
        )
        assert moved.status_code == 200, moved.text
        stations[operator] = station_id
    async with api_client(central_system, Role.OPERATOR, mine) as op:
        own = stations[mine]
        answer = await op.put(f"/api/stations/{own}/tariff", json={"charger_class": "ac"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["applies"] == {"tariff_id": "emp-normal", "level": "class"}
        evse = await op.put(
            f"/api/stations/{own}/evses/2/tariff", json={"tariff_id": "eoc-time-example"}
        )
        assert evse.json()["applies_per_evse"]["2"] == {
            "tariff_id": "eoc-time-example",
            "level": "evse",
        }
        site = await op.put(f"/api/stations/{own}/tariff", json={"site": "dcm-yokodai"})
        assert site.json()["applies"] == {"tariff_id": "emp-kwh-pilot", "level": "site"}
        unknown = await op.put(f"/api/stations/{own}/tariff", json={"tariff_id": "nope"})
        assert unknown.status_code == 400
        assert "tariff_id" in unknown.json()["error"]
        other = stations[theirs]
        for path in (f"/api/stations/{other}/tariff", f"/api/stations/{other}/evses/1/tariff"):
            refused = await op.put(path, json={"tariff_id": "emp-normal"})
            assert refused.status_code == 404, refused.text
        assert (await op.get(f"/api/stations/{other}/tariff")).status_code == 404
        quote = {
            "station_id": other,
            "start": "2025-02-10T10:00:00+09:00",
            "stop": "2025-02-10T10:20:00+09:00",
            "energy_wh": "1000",
        }
        assert (await op.post("/api/quote", json=quote)).status_code == 404
        quote["station_id"] = own
        quoted = await op.post("/api/quote", json=quote)
        assert quoted.status_code == 200, quoted.text
        assert quoted.json()["tariff_id"] == "emp-kwh-pilot"


async def test_quote_reads_the_stored_tariffs(api: httpx.AsyncClient) -> None:
    body = {
        "tariff_id": "emp-kwh-pilot",
        "start": "2025-02-10T10:00:00+09:00",
        "stop": "2025-02-10T10:12:20+09:00",
        "energy_wh": "12345.6",
    }
    answer = await api.post("/api/quote", json=body)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["total"], answer.json()["tax_included"]) == ("1375", "125")
    late = await api.post(
        "/api/quote",
        json=dict(body, start="2025-04-02T10:00:00+09:00", stop="2025-04-02T10:10:00+09:00"),
    )
    assert late.status_code == 422
    assert late.json()["error"].startswith("start:")
    assert (await api.post("/api/quote", json=dict(body, tariff_id="nope"))).status_code == 404
    floats = await api.post("/api/quote", json=dict(body, energy_wh=1.5))
    assert floats.status_code == 400
    assert "energy_wh" in floats.json()["error"]
    missing = await api.post("/api/quote", json={"tariff_id": "emp-normal", "energy_wh": "1"})
    assert missing.status_code == 400
    assert "start" in missing.json()["error"]
