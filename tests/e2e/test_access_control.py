"""Who may use the operator API, over real sockets against the real server and PostgreSQL.

The route checks are generated from the app's own route table, so a route added later is
covered without anyone remembering to list it here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.routing import Route

from csms.access.models import Role
from csms.api.policy import SAFE_METHODS
from csms.bootstrap import CentralSystem
from simulators.station import SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

SAMPLE_PARAMS = {"session_id": str(uuid.uuid4()), "command": "reset"}


def api_routes(system: CentralSystem) -> list[tuple[str, str]]:
    """Every (method, concrete path) of the operator API, from its route table."""
    assert system.api_app is not None
    found = []
    for route in system.api_app.routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/"):
            continue
        path = route.path
        for name in route.param_convertors:
            path = path.replace(f"{{{name}}}", SAMPLE_PARAMS.get(name, "X-1"))
        found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    assert len(found) >= 20, found  # the table was read, not an empty list
    return found


async def test_every_api_route_needs_a_key(central_system: CentralSystem) -> None:
    """401 on every route without a key, with an unknown key, and on routes that do not exist."""
    url = f"http://127.0.0.1:{central_system.api_port}"
    async with httpx.AsyncClient(base_url=url, timeout=10) as anonymous:
        for method, path in [*api_routes(central_system), ("GET", "/api/no-such-route")]:
            for headers in ({}, {"Authorization": "Bearer csms_key_not-a-real-one"}):
                answer = await anonymous.request(method, path, json={}, headers=headers)
                assert answer.status_code == 401, (method, path, answer.text)
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await anonymous.get("/healthz")).status_code == 200  # stays open


async def test_a_viewer_changes_nothing(central_system: CentralSystem) -> None:
    """403 for a viewer on every state-changing route; reads are allowed."""
    async with api_client(central_system, Role.VIEWER) as viewer:
        for method, path in api_routes(central_system):
            if method in SAFE_METHODS:
                continue
            answer = await viewer.request(method, path, json={})
            assert answer.status_code == 403, (method, path, answer.text)
        assert (await viewer.get("/api/sessions")).status_code == 200
        config = await viewer.get("/api/stations/X-1/configuration")  # a command to a station
        assert config.status_code == 403


class Tenants:
    """Two operators, each with a station, a card, an account and a finished session."""

    def __init__(self, system: CentralSystem, admin: httpx.AsyncClient) -> None:
        self.system = system
        self.admin = admin
        self.owned: dict[str, dict[str, Any]] = {}

    async def system_station_without_operator(self) -> str:
        station_id = unique("NOOP")
        assert self.system.admin is not None
        await self.system.admin.add_station(station_id, "a-station-key-of-24-b!")
        return station_id

    async def add(self, label: str, station: SimulatedStation) -> dict[str, Any]:
        operator = unique(f"OP{label}")
        card = unique(f"CARD{label}").replace("-", "").upper()[:16]
        account = unique(f"ACC{label}")
        admin = self.admin
        assert (
            await admin.post("/api/operators", json={"operator_id": operator, "name": label})
        ).status_code == 201
        assert (
            await admin.put(
                f"/api/stations/{station.station_id}/operator", json={"operator_id": operator}
            )
        ).status_code == 200
        assert (
            await admin.post("/api/cards", json={"id_token": card, "operator_id": operator})
        ).status_code == 201
        created = await admin.post(
            "/api/accounts", json={"account_id": account, "operator_id": operator, "name": label}
        )
        assert created.status_code == 201, created.text
        tx = await station.start_transaction(1, card)
        await station.stop_transaction(tx)
        sessions = (await admin.get(f"/api/sessions?station_id={station.station_id}")).json()
        self.owned[label] = {
            "operator": operator,
            "station": station.station_id,
            "card": card,
            "account": account,
            "app_token": created.json()["app_token"],
            "session": sessions["sessions"][0]["session_id"],
        }
        return self.owned[label]


@pytest.fixture
async def tenants(central_system: CentralSystem, connect_station: Any) -> AsyncIterator[Tenants]:
    async with api_client(central_system) as admin:
        world = Tenants(central_system, admin)
        await world.add("A", await connect_station("1.6", "normal-ac-6kw"))
        await world.add("B", await connect_station("2.0.1", "normal-ac-6kw"))
        yield world


async def test_an_operator_sees_and_commands_only_its_own(tenants: Tenants) -> None:
    """Operator A gets 404 for B's station, session, statement, card and account."""
    a, b = tenants.owned["A"], tenants.owned["B"]
    async with api_client(tenants.system, Role.OPERATOR, a["operator"]) as op_a:
        assert (await op_a.get(f"/api/stations/{a['station']}")).status_code == 200
        assert (await op_a.get(f"/api/sessions/{a['session']}")).status_code == 200
        stations = (await op_a.get("/api/stations")).json()["stations"]
        assert {s["station_id"] for s in stations} == {a["station"]}
        sessions = (await op_a.get("/api/sessions")).json()["sessions"]
        assert {s["session_id"] for s in sessions} == {a["session"]}
        for path in (
            f"/api/stations/{b['station']}",
            f"/api/stations/{b['station']}/local-list-version",
            f"/api/sessions/{b['session']}",
            f"/api/sessions/{b['session']}/statement",
            f"/api/sessions/{b['session']}/signed-data",
        ):
            assert (await op_a.get(path)).status_code == 404, path
        posts: list[tuple[str, dict[str, Any]]] = [
            (f"/api/stations/{b['station']}/commands/reset", {}),
            (f"/api/sessions/{b['session']}/statement/corrections", {"reason": "probe"}),
            ("/api/cards", {"id_token": b["card"], "status": "Blocked"}),
            ("/api/accounts", {"account_id": b["account"], "name": "taken over"}),
            (f"/api/accounts/{b['account']}/app-token", {}),
            (f"/api/accounts/{b['account']}/sessions", {"station_id": b["station"], "evse_id": 1}),
            ("/api/stands", {"stand_id": unique("S"), "station_id": b["station"], "evse_id": 1}),
        ]
        for path, body in posts:
            answer = await op_a.post(path, json=body)
            assert answer.status_code == 404, (path, answer.text)
        unowned = await tenants.system_station_without_operator()
        app_start = {"station_id": unowned, "evse_id": 1}
        answer = await op_a.post(f"/api/accounts/{a['account']}/sessions", json=app_start)
        assert answer.status_code == 404  # a station of no operator is not A's either
        naming_b = await op_a.post(
            "/api/cards", json={"id_token": "NEWCARD1", "operator_id": b["operator"]}
        )
        assert naming_b.status_code == 403
    async with api_client(tenants.system) as admin:  # B's data is untouched
        b_session = (await admin.get(f"/api/sessions/{b['session']}")).json()
        assert b_session["station_id"] == b["station"]


async def test_viewers_see_card_ids_masked(tenants: Tenants, db: asyncpg.Connection) -> None:
    a = tenants.owned["A"]
    async with api_client(tenants.system, Role.VIEWER, a["operator"]) as viewer:
        listed = (await viewer.get("/api/sessions")).json()["sessions"]
        one = (await viewer.get(f"/api/sessions/{a['session']}")).json()
        signed = (await viewer.get(f"/api/sessions/{a['session']}/signed-data")).text
    assert a["card"] not in signed
    card = a["card"]
    masked = card[:4] + "*" * (len(card) - 6) + card[-2:]
    assert [s["id_token"] for s in listed] == [masked]
    assert one["id_token"] == masked
    assert card not in str(listed) + str(one)
    stored = await db.fetchval(
        "SELECT id_token FROM sessions WHERE session_id = $1", uuid.UUID(a["session"])
    )
    assert stored == card  # masked in the answer only


async def test_a_revoked_key_is_refused_at_once(central_system: CentralSystem) -> None:
    assert central_system.access is not None
    name = unique("ops")
    key = await central_system.access.create_key(name, Role.ADMIN)
    url = f"http://127.0.0.1:{central_system.api_port}"
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        assert (await client.get("/api/stations")).status_code == 200
        await central_system.access.revoke_key(name)
        assert (await client.get("/api/stations")).status_code == 401


async def test_a_cross_origin_form_post_changes_nothing(
    central_system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """A web page can send text/plain or form bodies without a preflight: 415, no row."""
    for content_type, body in (
        ("text/plain", '{"id_token": "CSRFCARD1"}'),
        ("application/x-www-form-urlencoded", "id_token=CSRFCARD2"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="id_token"\r\n\r\nCSRFCARD3\r\n--x--',
        ),
    ):
        answer = await api.post("/api/cards", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 415, content_type
    rows = await db.fetchval("SELECT count(*) FROM id_tokens WHERE id_token LIKE 'CSRFCARD%'")
    assert rows == 0
    assert (
        "access-control-allow-origin"
        not in (
            await api.options(
                "/api/cards",
                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
            )
        ).headers
    )
    empty = await api.post("/api/operators")  # no body at all: read as {}, fields missing
    assert empty.status_code == 400
    assert "operator_id" in empty.json()["error"]


async def test_a_member_app_token_charges_only_its_own_account(tenants: Tenants) -> None:
    """The app token is a credential for its own account's starts and stops, nothing else."""
    a, b = tenants.owned["A"], tenants.owned["B"]
    url = f"http://127.0.0.1:{tenants.system.api_port}"
    headers = {"Authorization": f"Bearer {a['app_token']}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as app:
        start = {"station_id": a["station"], "evse_id": 1}
        own = await app.post(f"/api/accounts/{a['account']}/sessions", json=start)
        assert own.status_code == 200, own.text  # the station's answer
        other = await app.post(f"/api/accounts/{b['account']}/sessions", json=start)
        assert other.status_code == 403
        assert (await app.get("/api/sessions")).status_code == 403
        async with api_client(tenants.system) as admin:
            rotated = await admin.post(f"/api/accounts/{a['account']}/app-token")
        assert rotated.status_code == 201
        assert (
            await app.post(f"/api/accounts/{a['account']}/sessions", json=start)
        ).status_code == 401
    account_id_as_token = {"Authorization": f"Bearer {a['account']}"}
    async with httpx.AsyncClient(base_url=url, headers=account_id_as_token, timeout=10) as guess:
        assert (
            await guess.post(f"/api/accounts/{a['account']}/sessions", json=start)
        ).status_code == 401


async def test_every_change_and_command_is_audited(tenants: Tenants) -> None:
    """Who (key name, role), what, which station, and the station's answer; read by the owner."""
    a, b = tenants.owned["A"], tenants.owned["B"]
    assert tenants.system.access is not None
    key_name = unique("night-shift")
    key = await tenants.system.access.create_key(key_name, Role.OPERATOR, a["operator"])
    url = f"http://127.0.0.1:{tenants.system.api_port}"
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10
    ) as op_a:
        reset = await op_a.post(f"/api/stations/{a['station']}/commands/reset", json={})
        assert reset.status_code == 200
        assert (
            await op_a.post(f"/api/stations/{b['station']}/commands/reset", json={})
        ).status_code == 404
        entries = (await op_a.get(f"/api/audit?station_id={a['station']}")).json()["entries"]
        everything = (await op_a.get("/api/audit?limit=1000")).json()["entries"]
    command = next(e for e in entries if e["action"] == "Reset")
    assert command["actor"] == key_name
    assert command["role"] == "operator"
    assert command["target"] == a["station"]
    assert command["outcome"] == "Accepted"
    assert command["answer"] == {"status": "Accepted"}
    call = next(
        e for e in entries if e["action"] == f"POST /api/stations/{a['station']}/commands/reset"
    )
    assert (call["actor"], call["outcome"]) == (key_name, "200")
    assert all(e["operator_id"] == a["operator"] for e in everything)  # none of B's
    probe = [e for e in everything if e["target"] == f"/api/stations/{b['station']}/commands/reset"]
    assert [e["outcome"] for e in probe] == ["404"]  # A's own probe is A's row, not B's
    async with api_client(tenants.system, Role.OPERATOR, b["operator"]) as op_b:
        b_rows = (await op_b.get("/api/audit?limit=1000")).json()["entries"]
    assert b_rows  # the admin's set-up of B's station, as B's rows
    assert all(e["operator_id"] == b["operator"] and e["actor"] != key_name for e in b_rows)
    async with api_client(tenants.system, Role.VIEWER, a["operator"]) as viewer:
        assert (await viewer.get("/api/audit")).status_code == 403
    async with api_client(tenants.system) as admin:  # an admin's change is its target's
        card = {"id_token": unique("ADM").replace("-", "")[:16], "operator_id": b["operator"]}
        assert (await admin.post("/api/cards", json=card)).status_code == 201
    async with api_client(tenants.system, Role.OPERATOR, b["operator"]) as op_b:
        b_rows = (await op_b.get("/api/audit")).json()["entries"]
    assert any(e["action"] == "POST /api/cards" and e["role"] == "admin" for e in b_rows)


async def test_metrics_can_have_a_listener_of_their_own(migrated_dsn: str) -> None:
    """With ``metrics_port`` set, /metrics is served there and no longer on the API port."""
    settings = make_settings(migrated_dsn, metrics_port=0)
    async with CentralSystem(settings) as system:
        assert system.metrics_port != system.api_port
        async with httpx.AsyncClient(timeout=10) as client:
            own = await client.get(f"http://127.0.0.1:{system.metrics_port}/metrics")
            on_api = await client.get(f"http://127.0.0.1:{system.api_port}/metrics")
            api_there = await client.get(f"http://127.0.0.1:{system.metrics_port}/api/stations")
    assert own.status_code == 200
    assert "csms_" in own.text
    assert on_api.status_code == 404
    assert api_there.status_code == 404


def test_api_key_create_prints_only_the_secret(migrated_dsn: str) -> None:
    """``KEY=$(csms api-key create ...)``: stdout is one line, the key; logs go to stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    command = [sys.executable, "-m", "csms", "--database-url", migrated_dsn, "api-key"]
    name = unique("cli")
    created = subprocess.run(
        [*command, "create", "--name", name, "--role", "viewer"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    lines = created.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("csms_key_")
    assert len(lines[0]) >= len("csms_key_") + 43  # 256 random bits
    listed = subprocess.run(
        [*command, "list"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert lines[0] not in listed.stdout
    assert name in listed.stdout
