"""Memberships over real sockets (seed 002 第13条): an operator gives chosen member accounts
special prices. Two accounts charge the same at the same station; the member pays the
membership's tariff and the statement names the membership, the other pays the list price."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import httpx

from csms.access.models import Role
from csms.authorization.models import AccountRecord, AccountStatus
from csms.bootstrap import CentralSystem
from csms.storage.postgres import PostgresUnitOfWorkProvider, create_pool
from simulators.scenario import run_session
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client
from tests.integration.stored_tariffs import store_tariff

FEB_10 = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)  # 10:00 JST


def time_tariff(tariff_id: str, per_minute: str) -> dict[str, Any]:
    return {
        "id": tariff_id,
        "name": "Member price",
        "source": "e2e test",
        "currency": "JPY",
        "tax_rate_percent": "10",
        "versions": [
            {
                "version": "v1",
                "valid_from": "2025-01-01",
                "valid_to": None,
                "components": [
                    {"type": "time", "per_minute_price": per_minute, "minimum_minutes": 10}
                ],
            }
        ],
    }


def _ok(answer: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _operator(api: httpx.AsyncClient) -> str:
    operator = unique("OPMEM")
    _ok(await api.post("/api/operators", json={"operator_id": operator, "name": "M"}), 201)
    return operator


async def _member_account(api: httpx.AsyncClient, operator: str, card: str) -> str:
    """An account of ``operator`` with the card ``card``."""
    account = unique("ACCMEM")
    body = {"account_id": account, "operator_id": operator, "name": "Member"}
    _ok(await api.post("/api/accounts", json=body), 201)
    card_body = {"id_token": card, "operator_id": operator, "account_id": account}
    _ok(await api.post("/api/cards", json=card_body), 201)
    return account


async def _charge(system: CentralSystem, station_id: str, cards: list[str]) -> None:
    """One 30-minute session per card, one after the other, on EVSE 1."""
    station = SimulatedStation(station_id, "2.0.1", PROFILES["normal-ac-6kw"], SimClock(FEB_10, 0))
    await station.connect(f"ws://127.0.0.1:{system.ocpp_port}/ocpp")
    try:
        await station.boot()
        for card in cards:
            await run_session(station, id_tag=card, duration_s=1800, sample_interval_s=600)
    finally:
        await station.close()


async def _statements(api: httpx.AsyncClient, station_id: str) -> dict[str, dict[str, Any]]:
    """Each session's statement by the card as the station sent it."""
    listed = _ok(await api.get("/api/sessions", params={"station_id": station_id}))
    found = {}
    for session in listed["sessions"]:
        statement = await api.get(f"/api/sessions/{session['session_id']}/statement")
        found[session["id_token"]] = _ok(statement)
    return found


def _lines(statement: dict[str, Any]) -> list[list[str]]:
    keys = ("kind", "quantity", "unit", "unit_price", "amount")
    return [[line[k] for k in keys] for line in statement["lines"]]


async def test_a_member_pays_the_member_price_and_a_non_member_the_list_price(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    """Same station, same 30 minutes: the member pays the membership's station tariff (not
    its default), named on the statement; the other account pays the list price."""
    assert central_system.admin is not None
    operator, station_id = await _operator(api), unique("MEMBER-CP")
    await central_system.admin.add_station(station_id)
    _ok(await api.put(f"/api/stations/{station_id}/operator", json={"operator_id": operator}))
    _ok(await api.put(f"/api/stations/{station_id}/tariff", json={"tariff_id": "emp-normal"}))
    member_price, default_price = unique("e2e-member"), unique("e2e-member-default")
    _ok(await api.post("/api/tariffs", json=time_tariff(member_price, "5.5")), 201)
    _ok(await api.post("/api/tariffs", json=time_tariff(default_price, "7.7")), 201)
    member_card, other_card = (unique(p).replace("-", "")[:16].upper() for p in ("MC", "OC"))
    member = await _member_account(api, operator, member_card)
    await _member_account(api, operator, other_card)
    membership_id = unique("gold")
    change = {
        "membership_id": membership_id,
        "operator_id": operator,
        "name": "Gold members",
        "tariff_id": default_price,
        "stations": {station_id: member_price},
    }
    created = _ok(await api.post("/api/memberships", json=change), 201)
    assert (created["stations"], created["members"]) == ({station_id: member_price}, [])
    added = _ok(await api.put(f"/api/memberships/{membership_id}/members/{member}"))
    assert (added["member"], added["changed"]) == (True, True)

    await _charge(central_system, station_id, [member_card.lower(), other_card])
    statements = await _statements(api, station_id)
    paid = statements[member_card.lower()]
    assert (paid["status"], paid["tariff_id"]) == ("issued", member_price)
    assert _lines(paid) == [["time", "30", "min", "5.5", "165"]]
    assert (paid["total"], paid["tax_included"]) == ("165", "15")
    assert paid["inputs"]["membership"] == {"membership_id": membership_id, "name": "Gold members"}
    listed = statements[other_card]
    assert (listed["status"], listed["tariff_id"]) == ("issued", "emp-normal")
    assert _lines(listed) == [
        ["time_block", "15", "min", "132", "132"],
        ["time", "15", "min", "8.8", "132"],
    ]
    assert (listed["total"], listed["tax_included"]) == ("264", "24")
    assert "membership" not in listed["inputs"]


async def test_an_operator_manages_only_its_own_memberships(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    """Another operator's membership and account are 404; an unknown tariff is 400 naming
    the field; adding a member is idempotent; removing one twice is 404 the second time."""
    mine, theirs = await _operator(api), await _operator(api)
    my_account = await _member_account(api, mine, unique("MA").replace("-", "")[:16].upper())
    their_account = await _member_account(api, theirs, unique("TA").replace("-", "")[:16].upper())
    their_membership = unique("theirs")
    body = {"membership_id": their_membership, "operator_id": theirs, "name": "T"}
    _ok(await api.post("/api/memberships", json=body), 201)
    own = unique("own")
    async with api_client(central_system, Role.OPERATOR, mine) as op:
        unknown = await op.post(
            "/api/memberships", json={"membership_id": own, "name": "O", "tariff_id": "nope"}
        )
        assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid_input")
        assert unknown.json()["error"].startswith("tariff_id:")
        made = _ok(await op.post("/api/memberships", json={"membership_id": own, "name": "O"}), 201)
        assert made["operator_id"] == mine
        renamed = await op.post("/api/memberships", json={"membership_id": own, "name": "Own"})
        assert _ok(renamed)["name"] == "Own"
        assert (await op.get(f"/api/memberships/{their_membership}")).status_code == 404
        taken = await op.post("/api/memberships", json=dict(body, operator_id=mine))
        assert taken.status_code == 404, taken.text
        listed = _ok(await op.get("/api/memberships"))
        assert [m["membership_id"] for m in listed["memberships"]] == [own]
        path = f"/api/memberships/{own}/members"
        assert (await op.put(f"{path}/{their_account}")).status_code == 404
        other = await op.put(f"/api/memberships/{their_membership}/members/{my_account}")
        assert other.status_code == 404
        first, again = [_ok(await op.put(f"{path}/{my_account}")) for _ in range(2)]
        assert (first["changed"], again["changed"], again["member"]) == (True, False, True)
        shown = _ok(await op.get(f"/api/memberships/{own}"))
        assert shown["members"] == [my_account]
        removed = _ok(await op.delete(f"{path}/{my_account}"))
        assert (removed["member"], removed["changed"]) == (False, True)
        assert (await op.delete(f"{path}/{my_account}")).status_code == 404
    everyone = _ok(await api.get("/api/memberships", params={"operator_id": theirs}))
    assert [m["membership_id"] for m in everyone["memberships"]] == [their_membership]
    assert everyone["memberships"][0]["member_count"] == 0


def csms(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``csms --database-url DSN ...`` as an operator runs it."""
    env = {**os.environ, "CSMS_LOG_FORMAT": "json"}
    return subprocess.run(
        [sys.executable, "-m", "csms", "--database-url", dsn, *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


async def test_the_cli_adds_changes_lists_and_manages_members(migrated_dsn: str) -> None:
    """``csms membership add|member|list`` on the database, as ``POST /api/memberships`` and
    the member routes do; bad input exits 1 with the reason."""
    pool = await create_pool(migrated_dsn, 1)
    uow = PostgresUnitOfWorkProvider(pool)
    operator, account, station = unique("OPCLI"), unique("ACCCLI"), unique("CLI-CP")
    default, at_station = unique("cli-default"), unique("cli-station")
    try:
        for tariff_id in (default, at_station):  # the server's seed may not have run
            await store_tariff(pool, tariff_id)
        async with uow() as work:
            await work.accounts.add_operator(operator, "CLI")
            await work.accounts.upsert(
                AccountRecord(account, operator, "M", None, AccountStatus.VALID, None, None, None)
            )
            await work.stations.add(station, None)
            await work.station_lists.set_operator(station, operator)
    finally:
        await pool.close()
    membership_id = unique("cli-gold")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return csms(migrated_dsn, "membership", *args)

    added = await asyncio.to_thread(
        run, "add", membership_id, "--name", "Gold", "--operator", operator,
        "--tariff", default, "--station", f"{station}={at_station}",
    )  # fmt: skip
    assert (added.returncode, added.stdout.strip()) == (0, f"membership {membership_id} added"), (
        added.stderr
    )
    changed = await asyncio.to_thread(run, "add", membership_id, "--name", "Platinum")
    assert changed.stdout.strip() == f"membership {membership_id} changed", changed.stderr
    member = await asyncio.to_thread(run, "member", membership_id, account, "--add")
    assert member.stdout.strip() == f"{account} added to {membership_id}", member.stderr
    listed = await asyncio.to_thread(run, "list", "--operator", operator)
    assert json.loads(listed.stdout) == [
        {
            "membership_id": membership_id,
            "operator_id": operator,
            "name": "Platinum",
            "tariff_id": None,  # changed without --tariff and --station: none now
            "stations": {},
            "sites": {},
            "members": [account],
        }
    ]
    removals = [await asyncio.to_thread(run, "member", membership_id, account, "--remove")]
    removals.append(await asyncio.to_thread(run, "member", membership_id, account, "--remove"))
    assert [r.returncode for r in removals] == [0, 1]
    assert "is no member" in removals[1].stderr
    new = await asyncio.to_thread(run, "add", unique("cli-new"), "--name", "New")
    assert (new.returncode, "needs --operator" in new.stderr) == (1, True)
    unknown = await asyncio.to_thread(
        run, "add", membership_id, "--name", "X", "--station", f"{station}=nope"
    )
    assert (unknown.returncode, "unknown tariff 'nope'" in unknown.stderr) == (1, True)
