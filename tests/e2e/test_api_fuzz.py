"""Fuzzing every operator API route (body, path and query): no 5xx, ever.

The routes come from the running app's own route table, so a route added later is fuzzed
without anyone listing it. Hypothesis runs in a worker thread (``asyncio.to_thread``) with a
sync ``httpx.Client``; the central system (real PostgreSQL, real sockets) keeps serving in
the test's event loop meanwhile. Two simulated stations (1.6 and 2.0.1) are connected, so
the command routes reach live stations; each known command name gets its own run with
bodies built from its own fields. Derandomized: the same inputs every run.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.routing import Route

import csms.api
from csms.api.commands import COMMANDS
from csms.bootstrap import CentralSystem
from tests.conftest import unique
from tests.e2e.conftest import new_key

EXAMPLES_PER_ROUTE = 20
EXAMPLES_PER_COMMAND = 50  # per command name and station: cheap, and they reach the station
NASTY_TEXT = ["", "\x00", "a\x00b", "\ud800", "x\udfffy", "🔌" * 60, "0" * 49, "ü", "_" * 1001]
NASTY_NUMBERS = [0, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, 10**30, 1.5, float("nan")]
QUERY_NAMES = [
    "station_id",
    "state",
    "limit",
    "since",
    "evse_id",
    "x",
    "cursor",
    "from",
    "to",
    "id_token",
]

huge_text = st.sampled_from([5_000, 1_000_000]).map(lambda size: "x" * size)  # 1 MB: a body
json_scalars = st.one_of(
    huge_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(NASTY_TEXT + NASTY_NUMBERS),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def request_models() -> list[type[BaseModel]]:
    """Every pydantic model defined in ``csms.api``'s modules (bodies and answers alike)."""
    import pkgutil
    from importlib import import_module

    found: list[type[BaseModel]] = []
    for module_info in pkgutil.iter_modules(csms.api.__path__):
        module = import_module(f"csms.api.{module_info.name}")
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseModel)
            and value.__module__ == module.__name__
        ]
    return found


FIELD_NAMES = sorted({name for model in request_models() for name in model.model_fields})


WORDS = [
    "Heartbeat",
    "StatusNotification",
    "TransactionEvent",  # a 2.0.1 trigger, not a 1.6 one
    "DiagnosticsStatusNotification",  # a 1.6 trigger, not a 2.0.1 one
    "Coffee",
    "HeartbeatInterval",
    "OCPPCommCtrlr.HeartbeatInterval",
    "k" * 60,  # over 1.6's CiString50
]
field_values = st.one_of(
    json_values,
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS) | st.text(max_size=60), max_size=3),
    st.integers(-3, 3),
)


def body_of_fields(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects keyed by ``names`` whose values are anything: wrong types, huge, nasty, and
    words that are right for one OCPP version only."""
    return st.one_of(
        st.fixed_dictionaries({}, optional={name: field_values for name in names}),
        st.dictionaries(st.sampled_from(names), field_values, max_size=len(names)),
    )


@dataclass(frozen=True)
class Target:
    """One route and method to fuzz; ``fixed`` path params are kept as given."""

    method: str
    route: Route
    fixed: dict[str, str]
    field_names: list[str]

    def __str__(self) -> str:
        return f"{self.method} {self.route.path} {self.fixed}"


@dataclass(frozen=True)
class Known:
    """Ids that exist, so that the fuzzer also gets past the first lookup."""

    stations: list[str]
    account_id: str
    serial: str


def path_values(name: str, known: Known) -> st.SearchStrategy[str]:
    real: list[str] = {
        "station_id": known.stations,
        "account_id": [known.account_id],
        "serial": [known.serial],
        "session_id": ["5a1d3e1c-8a55-4e0c-9d2b-0c2f5b0c7e11"],
        "command": sorted(COMMANDS),
    }.get(name, [])
    return st.one_of(
        st.sampled_from(real or ["x"]),
        st.text(min_size=1),
        st.sampled_from([*NASTY_TEXT[1:], "y" * 5000]),
    )


def encoded(value: str) -> str:
    """Percent-encoded; a lone surrogate as the bytes Python would write for it."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def query_strings() -> st.SearchStrategy[str]:
    pairs = st.lists(
        st.tuples(
            st.sampled_from(QUERY_NAMES) | st.text(max_size=5),
            st.text()
            | st.sampled_from(
                [
                    *NASTY_TEXT[:-1],
                    "10" * 20,
                    "-1",
                    "2026-01-01T00:00:00",
                    "9999-12-31T23:59:59+14:00",
                ]
            ),
        ),
        max_size=4,
    )
    return pairs.map(lambda items: "&".join(f"{encoded(k)}={encoded(v)}" for k, v in items))


def bodies(field_names: list[str]) -> st.SearchStrategy[bytes]:
    """JSON text (lone surrogates as escapes, NaN allowed), or bytes that are not JSON."""
    own = body_of_fields(field_names)
    documents = st.one_of(own, own, own, body_of_fields(FIELD_NAMES), json_values)
    return st.one_of(
        documents.map(lambda value: json.dumps(value).encode()),
        documents.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=40),
        st.just(b""),
    )


def fuzz_route(client: httpx.Client, target: Target, known: Known, failures: list[str]) -> None:
    params = {
        name: st.just(target.fixed[name]) if name in target.fixed else path_values(name, known)
        for name in target.route.param_convertors
    }

    @settings(
        max_examples=EXAMPLES_PER_COMMAND if "command" in target.fixed else EXAMPLES_PER_ROUTE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries(params), query_strings(), bodies(target.field_names))
    def one_request(path: dict[str, str], query: str, body: bytes) -> None:
        url = target.route.path.format(**{k: encoded(v) for k, v in path.items()})
        headers = {"Content-Type": "application/json"} if body else {}
        sent = (target.method, url, query[:200], body[:200])
        try:
            response = client.request(
                target.method, f"{url}?{query}", content=body, headers=headers
            )
        except httpx.TransportError as exc:  # the server dropped the request: as bad as a 500
            raise AssertionError((*sent, repr(exc))) from exc
        assert response.status_code < 500, (*sent, response.text[:300])

    try:
        one_request()
    except Exception as failure:  # every route's failures are reported together
        failures.append(f"{target}: {str(failure)[:600]}")


def targets(system: CentralSystem, known: Known) -> list[Target]:
    """Every /api route and method; the command route once per command name and station."""
    assert system.api_app is not None
    found = []
    for route in system.api_app.routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/"):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if route.path.endswith("/commands/{command}"):
                found += [
                    Target(method, route, {"command": name, "station_id": station}, fields)
                    for name, model in COMMANDS.items()
                    for fields in [sorted(model.model_fields)]
                    for station in known.stations
                ]
            found.append(Target(method, route, {}, FIELD_NAMES))
    return found


async def known_ids(api: httpx.AsyncClient, stations: list[str]) -> Known:
    operator, account, serial = unique("OP"), unique("ACC"), unique("MTR")
    made = await api.post("/api/operators", json={"operator_id": operator, "name": "Fuzz"})
    assert made.status_code == 201, made.text
    saved = await api.post(
        "/api/accounts", json={"account_id": account, "operator_id": operator, "name": "F"}
    )
    assert saved.status_code == 201, saved.text
    meter = await api.post("/api/meters", json={"serial": serial, "maker": "M", "model": "X"})
    assert meter.status_code == 201, meter.text
    return Known(stations, account, serial)


async def test_no_api_route_answers_5xx(
    central_system: CentralSystem, connect_station: Callable[..., Any]
) -> None:
    """Wrong JSON types, huge numbers, NUL, lone surrogates, 1 MB strings, in body, path and
    query of every route: always a 4xx or a success, never a 5xx."""
    stations = [(await connect_station(v)).station_id for v in ("1.6", "2.0.1")]
    key = await new_key(central_system)
    base = f"http://127.0.0.1:{central_system.api_port}"
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        known = await known_ids(api, stations)
    failures: list[str] = []

    def fuzz_all() -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as client:
            for target in targets(central_system, known):
                fuzz_route(client, target, known, failures)

    await asyncio.to_thread(fuzz_all)
    assert not failures, "\n".join(failures)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        for station in stations:  # the stations' sockets survived the fuzzing
            response = await api.post(
                f"/api/stations/{station}/commands/trigger-message", json={"message": "Heartbeat"}
            )
            assert response.status_code == 200, response.text
