"""Receipts (issue 16 item 7, seed 002 第19条): a qualified simplified invoice (適格簡易請求書)
per session from its operator's registered details, as JSON and as a PDF in Japanese; without
the details none is issued and the API says why."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from pypdf import PdfReader

from csms.access.models import Role
from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings
from tests.e2e.test_reservations import T0, eventually

NUMBER = "T7010705000725"  # a published corporate number with its check digit
REGISTRATION = {
    "legal_name": "株式会社テスト充電",
    "registration_number": NUMBER,
    "address": "東京都千代田区丸の内一丁目1番1号",
    "phone": "03-1234-5678",
}


@pytest.fixture
async def system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    settings = make_settings(migrated_dsn, tariff_default_class="ac")
    async with CentralSystem(settings) as running:
        yield running


@pytest.fixture
async def api(system: CentralSystem) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(system) as client:
        yield client


class Operator:
    """A new operator with a booted station, a card and a key of its own."""

    def __init__(self, operator_id: str, station: SimulatedStation, card: str) -> None:
        self.operator_id, self.station, self.card = operator_id, station, card

    @property
    def registration(self) -> str:
        return f"/api/operators/{self.operator_id}/registration"


async def _operator(system: CentralSystem, api: httpx.AsyncClient) -> Operator:
    station = SimulatedStation(
        unique("RCT"), "2.0.1", PROFILES["normal-ac-6kw"], SimClock(T0, speed=0)
    )
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    await station.boot()
    operator_id = unique("OP")
    await api.post("/api/operators", json={"operator_id": operator_id, "name": "CPO"})
    path = f"/api/stations/{station.station_id}/operator"
    assert (await api.put(path, json={"operator_id": operator_id})).status_code == 200
    card = unique("C").replace("-", "").upper()[:16]
    made = await api.post("/api/cards", json={"id_token": card, "operator_id": operator_id})
    assert made.status_code == 201, made.text
    return Operator(operator_id, station, card)


async def _finished_session(operator: Operator, db: asyncpg.Connection) -> UUID:
    """A 30-minute session at 6 kW, stopped, with its statement issued."""
    station = operator.station
    tx = await station.start_transaction(1, operator.card)
    for _ in range(3):
        await station.charge(tx, 600)
        await station.meter_values(tx)
    await station.stop_transaction(tx)

    async def issued() -> UUID | None:
        found: UUID | None = await db.fetchval(
            "SELECT s.session_id FROM statements st JOIN sessions s USING (session_id)"
            " WHERE s.station_id = $1 AND st.status = 'issued'",
            station.station_id,
        )
        return found

    return await eventually(issued)


async def _statement(api: httpx.AsyncClient, session_id: UUID) -> dict[str, Any]:
    answer = await api.get(f"/api/sessions/{session_id}/statement")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _yen(amount: str) -> str:
    return f"{int(Decimal(amount)):,}円"


async def test_no_receipt_without_registered_details_then_one_as_json_and_pdf(
    system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    operator = await _operator(system, api)
    session_id = await _finished_session(operator, db)
    receipt = f"/api/sessions/{session_id}/receipt"

    refused = await api.get(receipt)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "no_registered_details"
    assert "no receipt is issued (002 第19条)" in refused.json()["error"]
    assert (await api.get(operator.registration)).status_code == 404

    registered = await api.put(operator.registration, json=REGISTRATION)
    assert registered.status_code == 200, registered.text
    assert registered.json()["registration_number"] == NUMBER
    assert registered.json()["corporate"] is True
    assert (await api.get(operator.registration)).json() == registered.json()

    statement = await _statement(api, session_id)
    answer = await api.get(receipt)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["title"] == "適格簡易請求書"
    assert body["issuer"]["legal_name"] == REGISTRATION["legal_name"]
    assert body["issuer"]["registration_number"] == NUMBER
    assert body["statement_id"] == statement["statement_id"]
    assert body["total"] == statement["total"]
    assert Decimal(body["total"]) > 0
    assert body["tax"] == {"10%": {"taxable": statement["total"], "tax": statement["tax_included"]}}
    assert body["transaction_date"] == "2025-06-02"  # the JST day it ended
    assert [line["amount"] for line in body["lines"]] == [
        line["amount"] for line in statement["lines"]
    ]

    pdf = await api.get(receipt, params={"format": "pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert f"登録番号 {NUMBER}" in text
    assert REGISTRATION["legal_name"] in text
    assert "2025年6月2日" in text
    assert f"合計（税込）\n{_yen(statement['total'])}" in text
    assert f"10%対象（税込） {_yen(statement['total'])}" in text
    assert f"うち消費税（10%） {_yen(statement['tax_included'])}" in text

    by_accept = await api.get(receipt, headers={"Accept": "application/pdf"})
    assert by_accept.headers["content-type"] == "application/pdf"
    assert by_accept.content == pdf.content  # the same receipt, byte for byte
    await operator.station.close()


async def test_an_operator_key_reaches_only_its_own_operator_s_receipts_and_details(
    system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    mine = await _operator(system, api)
    theirs = await _operator(system, api)
    session_id = await _finished_session(mine, db)
    receipt = f"/api/sessions/{session_id}/receipt"
    async with api_client(system, Role.OPERATOR, mine.operator_id) as own:
        assert (await own.put(mine.registration, json=REGISTRATION)).status_code == 200
        assert (await own.get(receipt)).status_code == 200
    async with api_client(system, Role.VIEWER, mine.operator_id) as viewer:
        assert (await viewer.get(receipt)).status_code == 200
        assert (await viewer.put(mine.registration, json=REGISTRATION)).status_code == 403
    async with api_client(system, Role.OPERATOR, theirs.operator_id) as other:
        for answer in (
            await other.get(receipt),
            await other.get(receipt, params={"format": "pdf"}),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json()["code"] == "no_such_session"
        assert (await other.get(mine.registration)).status_code == 404
        assert (await other.put(mine.registration, json=REGISTRATION)).status_code == 404
        assert (await other.put(theirs.registration, json=REGISTRATION)).status_code == 200
    for operator in (mine, theirs):
        await operator.station.close()


async def test_a_bad_registration_number_is_refused_saying_why(
    system: CentralSystem, api: httpx.AsyncClient
) -> None:
    operator = await _operator(system, api)
    wrong_check = {**REGISTRATION, "registration_number": "T8010705000725"}
    answer = await api.put(operator.registration, json=wrong_check)
    assert answer.status_code == 400, answer.text
    assert "check digit 7" in answer.json()["error"]
    for bad in ("7010705000725", "T701070500072", "T7-0107-0500-0725", ""):
        refused = await api.put(
            operator.registration, json={**REGISTRATION, "registration_number": bad}
        )
        assert refused.status_code == 400, (bad, refused.text)
    # An individual's number (not a corporate number) is checked for its format only.
    individual = {**wrong_check, "corporate": False}
    accepted = await api.put(operator.registration, json=individual)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["registration_number"] == "T8010705000725"
    assert accepted.json()["corporate"] is False
    nobody = await api.put("/api/operators/no-such-operator/registration", json=REGISTRATION)
    assert nobody.status_code == 404
    await operator.station.close()


async def test_no_receipt_for_a_session_without_an_issued_statement(
    system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    operator = await _operator(system, api)
    assert (await api.put(operator.registration, json=REGISTRATION)).status_code == 200
    await operator.station.start_transaction(1, operator.card)

    async def started() -> UUID | None:
        found: UUID | None = await db.fetchval(
            "SELECT session_id FROM sessions WHERE station_id = $1", operator.station.station_id
        )
        return found

    session_id = await eventually(started)
    answer = await api.get(f"/api/sessions/{session_id}/receipt")
    assert answer.status_code == 404, answer.text
    assert answer.json()["code"] == "no_issued_statement"
    unknown = await api.get(f"/api/sessions/{uuid4()}/receipt")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "no_such_session"
    bad_format = await api.get(f"/api/sessions/{session_id}/receipt", params={"format": "xls"})
    assert bad_format.status_code == 400
    await operator.station.close()
