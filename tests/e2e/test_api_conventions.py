"""What every route follows: errors ``{"error", "code"}``, 404 ``no_such_route``, and the
OpenAPI 3.1 document of every route (validated) with its docs page, both open."""

from __future__ import annotations

import asyncpg
import httpx
from openapi_spec_validator import validate
from starlette.routing import Route

from csms.api.responses import ERROR_CODES
from csms.bootstrap import CentralSystem
from tests.conftest import unique
from tests.e2e.session_rows import add_station


def _open(system: CentralSystem) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.api_port}", timeout=10)


async def test_the_document_is_valid_openapi_31_and_names_every_route(
    central_system: CentralSystem,
) -> None:
    async with _open(central_system) as client:  # no key
        answer = await client.get("/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    validate(document)  # raises unless it is a valid OpenAPI 3.1 document
    assert document["openapi"].startswith("3.1")
    assert central_system.api_app is not None
    for route in central_system.api_app.routes:
        assert isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in document["paths"].get(route.path, {}), (method, route.path)


async def test_bodies_answers_and_errors_come_from_the_models(
    central_system: CentralSystem,
) -> None:
    async with _open(central_system) as client:
        document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    close = document["paths"]["/api/sessions/{session_id}/close"]["post"]
    body = close["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "reason" in schemas[body.rsplit("/", 1)[-1]]["properties"]
    assert "no_such_session" in close["responses"]["404"]["description"]
    assert "unauthenticated" in close["responses"]["401"]["description"]
    listed = document["paths"]["/api/sessions"]["get"]
    names = {parameter["name"] for parameter in listed["parameters"]}
    assert {"limit", "cursor", "station_id", "id_token", "state", "from", "to"} <= names
    assert {"operator_id", "stale_after_s"} <= names
    page = listed["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert {"sessions", "next"} <= set(schemas[page.rsplit("/", 1)[-1]]["properties"])
    cards = document["paths"]["/api/cards"]["post"]  # declares nothing: read from its code
    card = cards["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "id_token" in schemas[card.rsplit("/", 1)[-1]]["properties"]
    export = document["paths"]["/api/statements.csv"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    assert set(schemas["ErrorBody"]["required"]) == {"error", "code"}
    for code in ERROR_CODES:
        assert f"`{code}`" in document["info"]["description"]


async def test_the_docs_page_is_open_and_lists_every_operation(
    central_system: CentralSystem,
) -> None:
    async with _open(central_system) as client:
        document = (await client.get("/openapi.json")).json()
        page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text  # self-contained: nothing to load
    for path, item in document["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in page.text.replace("&#x27;", "'")
    assert "no_such_station" in page.text


async def test_errors_carry_a_code(
    central_system: CentralSystem, api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    offline = unique("OFFLINE")
    await add_station(db, offline, None)
    cases: list[tuple[str, str, object, int, str]] = [
        ("GET", "/api/stations/NO-SUCH-STATION", None, 404, "no_such_station"),
        ("GET", f"/api/sessions/{missing}", None, 404, "no_such_session"),
        ("GET", f"/api/sessions/{missing}/statement", None, 404, "no_such_session"),
        ("POST", f"/api/sessions/{missing}/close", {"reason": "x"}, 404, "no_such_session"),
        ("GET", "/api/sessions/not-a-uuid", None, 400, "invalid_request"),
        ("POST", f"/api/sessions/{missing}/close", {"reason": 5}, 400, "invalid_body"),
        ("POST", "/api/cards", [], 400, "invalid_body"),
        ("GET", "/api/no-such-route", None, 404, "no_such_route"),
        ("DELETE", "/api/sessions", None, 405, "method_not_allowed"),
        ("POST", "/api/stations/NO-SUCH-STATION/commands/reset", {}, 404, "no_such_station"),
        ("POST", f"/api/stations/{offline}/commands/reset", {}, 409, "not_connected"),
    ]
    for method, path, body, status, code in cases:
        answer = await api.request(method, path, json=body)
        assert (answer.status_code, answer.json().get("code")) == (status, code), (
            path,
            answer.text,
        )
        assert answer.json()["error"]
    async with _open(central_system) as client:
        anonymous = await client.get("/api/no-such-route")
        elsewhere = await client.get("/no-such-page")
        refused = await client.post(
            "/api/cards", content="x", headers={"Authorization": "Bearer nope"}
        )
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "no_such_route")
    assert refused.json()["code"] == "unauthenticated"
