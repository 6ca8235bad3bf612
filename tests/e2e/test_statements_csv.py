"""GET /api/statements.csv: the accountant's export, one row per line of the statements issued
in the range, UTF-8 with a byte order mark (Excel), cards masked for viewer keys only."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from csms.access.models import Role
from csms.api.statements_csv import HEADER
from csms.bootstrap import CentralSystem
from tests.conftest import unique
from tests.e2e.conftest import api_client
from tests.e2e.session_rows import CARD, add_session, add_statement, add_station

LINES = [
    [("time_block", "15", "min", "132", "132"), ("time", "15", "min", "8.8", "132")],
    [("flat", "1", "session", "770", "770")],
    [("energy", "25.000", "kWh", "82.5", "2062"), ("time", "30", "min", "27.5", "825")],
    [],  # unpriced: no lines, no row
]


def _unique_start() -> datetime:
    """A moment no other test (or run: the database is shared) issues statements near."""
    return datetime(2031, 1, 1, tzinfo=UTC) + timedelta(seconds=random.randrange(10**9))


def _read(answer: httpx.Response) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM, so Excel reads UTF-8
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


async def _issue(db: asyncpg.Connection, operator_id: str, start: datetime) -> str:
    """A station of ``operator_id`` with one statement per ``LINES`` entry, issued from
    ``start`` a minute apart, and one issued just outside the range."""
    station = unique("CSV-駅")
    await add_station(db, station, operator_id)
    for minute, lines in enumerate(LINES):
        session = await add_session(db, station, start - timedelta(hours=1))
        await add_statement(db, session, start + timedelta(minutes=minute), lines)
    outside = await add_session(db, station, start)
    await add_statement(db, outside, start + timedelta(hours=1), LINES[0])
    return station


async def test_the_export_has_the_header_and_one_row_per_line_in_range(
    central_system: CentralSystem, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    start = _unique_start()
    operator = unique("OP-CSV")
    station = await _issue(db, operator, start)
    window = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    answer = await api.get("/api/statements.csv", params=window)
    rows = _read(answer)
    assert len(rows) == sum(len(lines) for lines in LINES)
    assert 'filename="statements.csv"' in answer.headers["content-disposition"]
    first = rows[0]
    assert first["station_id"] == station  # non-ASCII survives
    assert first["id_token"] == CARD  # an admin sees the card
    assert (first["line_no"], first["line"], first["quantity"], first["unit"]) == (
        "1",
        "time_block",
        "15",
        "min",
    )
    assert (first["unit_price"], first["amount"], first["total"]) == ("132", "132", "264")
    assert (first["energy_wh"], first["energy_source"]) == ("1500", "charger_register")
    assert (first["tariff_id"], first["tariff_version"]) == ("emp-normal", "2025-01")
    assert first["tax_included"] == "24"
    assert [row["line"] for row in rows] == [line[0] for lines in LINES for line in lines]


async def test_the_export_is_within_the_keys_operator_and_masks_cards_for_viewers(
    central_system: CentralSystem, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    start = _unique_start()
    ours, theirs = unique("OP-CSV"), unique("OP-CSV")
    await _issue(db, ours, start)
    await _issue(db, theirs, start)
    window = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    per_operator = sum(len(lines) for lines in LINES)
    assert len(_read(await api.get("/api/statements.csv", params=window))) == 2 * per_operator
    narrowed = await api.get("/api/statements.csv", params={**window, "operator_id": ours})
    assert len(_read(narrowed)) == per_operator
    async with api_client(central_system, Role.OPERATOR, ours) as operator:
        rows = _read(await operator.get("/api/statements.csv", params=window))
    assert len(rows) == per_operator
    assert {row["id_token"] for row in rows} == {CARD}
    async with api_client(central_system, Role.VIEWER, ours) as viewer:
        rows = _read(await viewer.get("/api/statements.csv", params=window))
    assert len(rows) == per_operator
    assert {row["id_token"] for row in rows} == {"CARD********89"}


async def test_a_bad_range_is_400_invalid_request(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    answer = await api.get("/api/statements.csv", params={"from": "last month"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
