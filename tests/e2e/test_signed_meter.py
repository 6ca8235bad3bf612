"""Billing from the LEM DCBM's signed records, end to end on 1.6 and 2.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from csms.authorization.models import TokenStatus
from csms.bootstrap import CentralSystem
from simulators.dcbm import Dcbm
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

MEMBER_CARD = "012E4CD1A2B3C4E7"  # a member card of its own: other tests use unknown cards

FEB_10 = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)
STATIONS = [unique("DCBM") for _ in range(24)]


@pytest.fixture(scope="module")
def assignments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = json.loads(Path("config/tariffs/assignments.json").read_text(encoding="utf-8"))
    for station_id in STATIONS:  # an energy tariff, so the billed kWh show on the statement
        data["stations"][station_id] = {
            "current": "DC",
            "max_power_kw": "50",
            "tariff": "eoc-energy-example",
        }
    path = tmp_path_factory.mktemp("meter-tariffs") / "assignments.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
async def system(migrated_dsn: str, assignments: Path) -> AsyncIterator[CentralSystem]:
    async with CentralSystem(make_settings(migrated_dsn, tariff_assignments=assignments)) as cs:
        assert cs.admin is not None
        # the member's card the sessions start with (a refused card would be held for review)
        await cs.admin.set_token(MEMBER_CARD, TokenStatus.ACCEPTED)
        yield cs


class Rig:
    def __init__(self, system: CentralSystem, api: httpx.AsyncClient) -> None:
        self.system = system
        self.api = api

    async def station(
        self, version: str, dcbm: Dcbm, *, register_key: bool = True
    ) -> SimulatedStation:
        station = SimulatedStation(
            STATIONS.pop(), version, PROFILES["quick-dc-50kw"], SimClock(FEB_10, speed=0), dcbm=dcbm
        )
        station.registers_wh[1] = Fraction(5000)
        await station.connect(f"ws://127.0.0.1:{self.system.ocpp_port}/ocpp")
        await station.boot()
        response = await self.api.post(
            "/api/meters",
            json={
                "serial": unique("DCBM-SN"),
                "maker": "LEM International SA",
                "model": "DCBM N0D 4010 0000",
                "year": 2023,
                "accuracy_class": "n3",
                "station_id": station.station_id,
                "evse_id": 1,
                **({"public_key": dcbm.public_key_hex} if register_key else {}),
            },
        )
        assert response.status_code == 201, response.text
        dcbm.serial = response.json()["serial"]
        return station


@pytest.fixture
async def rig(system: CentralSystem) -> AsyncIterator[Rig]:
    async with api_client(system) as api:
        yield Rig(system, api)


async def statement_of(db: asyncpg.Connection, station_id: str) -> asyncpg.Record:
    rows = await db.fetch(
        "SELECT st.* FROM statements st JOIN sessions s USING (session_id) WHERE s.station_id = $1",
        station_id,
    )
    assert len(rows) == 1
    return rows[0]


async def half_hour(station: SimulatedStation, card: str = MEMBER_CARD) -> Any:
    tx = await station.start_transaction(1, card)
    await station.charge(tx, 1800)  # the charger's register: 25,000 Wh at 50 kW
    await station.stop_transaction(tx)
    await station.close()
    return tx


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_the_statement_bills_the_signed_meter_energy(
    version: str, rig: Rig, db: asyncpg.Connection
) -> None:
    """Energy billed = signed end - begin (24.750 kWh), not the charger's 25.000 kWh."""
    dcbm = Dcbm(ratio=Fraction(99, 100))
    station = await rig.station(version, dcbm)
    await half_hour(station)
    statement = await statement_of(db, station.station_id)
    assert statement["status"] == "issued"
    inputs = statement["inputs"]
    assert inputs["energy_source"] == "signed_meter"
    assert Decimal(inputs["energy_wh"]) == Decimal(24750)
    assert inputs["meter"]["serial"] == dcbm.serial
    assert inputs["meter"]["maker"] == "LEM International SA"
    assert inputs["meter"]["year"] == 2023
    assert inputs["meter"]["signed_begin"]["value"] == "1000.000"
    assert inputs["meter"]["signed_end"]["value"] == "1024.750"
    line = statement["lines"][0]
    assert (line["quantity"], line["amount"]) == ("24.8", "1227")  # 25.0 kWh would be 1237
    assert statement["total"] == Decimal(1227)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("bad_signature", "bad_signature"),
        ("wrong_serial", "wrong_serial"),
        ("backwards", "backwards"),
    ],
)
async def test_each_fault_holds_the_statement_for_review(
    version: str, fault: Any, reason: str, rig: Rig, db: asyncpg.Connection
) -> None:
    """A record that does not verify never bills: needs_review with the reason, counted."""
    station = await rig.station(version, Dcbm(fault=fault))
    await half_hour(station)
    statement = await statement_of(db, station.station_id)
    assert statement["status"] == "needs_review"
    assert statement["unpriced_reason"].startswith(f"{reason}:")
    assert statement["total"] is None
    metrics = (await rig.api.get("/metrics")).text
    assert f'csms_meter_verification_failures_total{{reason="{reason}"}}' in metrics


async def test_a_meter_without_a_registered_key_is_held(rig: Rig, db: asyncpg.Connection) -> None:
    """Registering the key is an operator step; until then sessions are held for review."""
    station = await rig.station("1.6", Dcbm(), register_key=False)
    await half_hour(station)
    statement = await statement_of(db, station.station_id)
    assert statement["status"] == "needs_review"
    assert statement["unpriced_reason"].startswith("no_key:")


async def test_signed_data_is_served_for_an_independent_check(
    rig: Rig, db: asyncpg.Connection, tmp_path: Path
) -> None:
    """The API returns the raw record and the key; `csms ocmf verify` says valid."""
    dcbm = Dcbm()
    station = await rig.station("2.0.1", dcbm)
    await half_hour(station)
    session_id = await db.fetchval(
        "SELECT session_id FROM sessions WHERE station_id = $1", station.station_id
    )
    body = (await rig.api.get(f"/api/sessions/{session_id}/signed-data")).json()
    assert body["meter"]["public_key"] == dcbm.public_key_hex
    record = body["records"][0]
    assert record["carrier"] == "signedMeterValue"
    assert record["ocmf"].startswith("OCMF|")
    path = tmp_path / "record.txt"
    path.write_text(record["raw"])  # base64, as the station sent it
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "csms",
            "ocmf",
            "verify",
            str(path),
            "--public-key",
            body["meter"]["public_key"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("valid:")


async def test_ocmf_by_data_transfer_is_billed(rig: Rig, db: asyncpg.Connection) -> None:
    """1.6 DataTransfer carrying the record (JSON wrapper with transactionId) is used."""
    dcbm = Dcbm(ratio=Fraction(99, 100))
    station = await rig.station("1.6", dcbm)
    tx = await station.start_transaction(1, MEMBER_CARD)
    await station.charge(tx, 1800)
    record = station._signed_record(tx)
    answer = await station.client.call(
        "DataTransfer",
        {
            "vendorId": "com.lem",
            "messageId": "OCMF",
            "data": json.dumps(
                {"transactionId": int(tx.transaction_id), "signedMeterData": record}
            ),
        },
    )
    assert answer["status"] == "Accepted"
    station.dcbm = None  # the stop itself carries no signed data
    await station.stop_transaction(tx)
    await station.close()
    statement = await statement_of(db, station.station_id)
    assert statement["status"] == "issued"
    assert Decimal(statement["inputs"]["energy_wh"]) == Decimal(24750)


async def test_a_malformed_record_is_kept_flagged_and_never_fails_the_message(
    rig: Rig, db: asyncpg.Connection
) -> None:
    """The stop is answered; the record is stored verbatim with its error; review."""
    station = await rig.station("1.6", Dcbm())
    tx = await station.start_transaction(1, MEMBER_CARD)
    station.dcbm = None
    broken = "OCMF|{not json|{}"
    answer = await station.client.call(
        "StopTransaction",
        {
            "meterStop": station.register(1),
            "timestamp": "2025-02-10T01:30:00Z",
            "transactionId": int(tx.transaction_id),
            "transactionData": [
                {
                    "timestamp": "2025-02-10T01:30:00Z",
                    "sampledValue": [
                        {"value": broken, "format": "SignedData", "context": "Transaction.End"}
                    ],
                }
            ],
        },
    )
    assert answer == {}
    await station.close()
    kept = await db.fetchrow(
        "SELECT * FROM signed_records WHERE station_id = $1", station.station_id
    )
    assert kept["raw"] == broken
    assert kept["parse_error"]
    statement = await statement_of(db, station.station_id)
    assert statement["status"] == "needs_review"
    assert statement["unpriced_reason"].startswith("unreadable_record:")


async def test_correcting_a_held_session_stays_held_until_the_key_verifies(
    rig: Rig, db: asyncpg.Connection
) -> None:
    """A needs_review signed-meter session is never corrected to the charger's register: the
    correction stays held while the key is unknown, and bills the signed energy once it is."""
    dcbm = Dcbm(ratio=Fraction(99, 100))  # the meter reads 24.750 kWh, the charger 25.000
    station = await rig.station("2.0.1", dcbm, register_key=False)
    await half_hour(station)
    held = await statement_of(db, station.station_id)
    assert held["status"] == "needs_review"
    url = f"/api/sessions/{held['session_id']}/statement/corrections"

    still_held = await rig.api.post(url, json={"reason": "try again"})
    assert still_held.status_code == 201, still_held.text
    assert still_held.json()["status"] == "needs_review"
    assert still_held.json()["total"] is None
    assert still_held.json()["inputs"]["review_reason"] == "meter_key_unknown"

    key = await rig.api.put(
        f"/api/meters/{dcbm.serial}/key", json={"public_key": dcbm.public_key_hex}
    )
    assert key.status_code in (200, 204), key.text
    billed = (await rig.api.post(url, json={"reason": "meter key registered"})).json()
    assert billed["status"] == "issued"
    assert billed["inputs"]["energy_source"] == "signed_meter"
    assert billed["inputs"]["energy_wh"] == "24750.000"  # the signed readings, not 25,000 Wh
    assert Decimal(billed["total"]) == Decimal(1227)
