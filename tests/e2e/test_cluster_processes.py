"""Three ``csms serve`` processes behind a TCP load balancer, one PostgreSQL, one NATS from
the wheel (docs/cluster.md): 300 stations spread over them, operator commands through one
node to stations the others hold, boot admission at the cluster's rate, then one node is
killed with SIGKILL while every session is open: its stations reconnect to the others,
every session completes, none is lost or doubled, and commands reach them at their new node.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from bench.cluster_parts import Balancer, NatsServer, node_process
from bench.harness import ServerProcess, stored_sessions
from bench.load import Latencies, LoadStation, make_stations
from csms.access.models import Role
from csms.access.service import AccessService
from csms.clock import SystemClock
from csms.storage.unit_of_work import PostgresUnitOfWorkProvider
from tests.conftest import unique

STATIONS = 300
BOOT_RATE = 60  # boots accepted per second by the whole cluster


@pytest.fixture
async def cluster(migrated_dsn: str) -> AsyncIterator[tuple[list[ServerProcess], Balancer]]:
    nats = NatsServer()
    await nats.start()
    nodes = [
        node_process(
            migrated_dsn,
            nats.url,
            unique(f"n{index}"),
            boot_accept_per_s=str(BOOT_RATE),
            cluster_node_ttl_s="3",
            cluster_lease_ttl_s="6",
            heartbeat_jitter="0",
        )
        for index in range(3)
    ]
    balancer = Balancer([])
    try:
        await asyncio.gather(*(node.start() for node in nodes))
        balancer.backends = [node.ocpp_port for node in nodes]
        await balancer.start()
        yield nodes, balancer
    finally:
        await balancer.stop()
        await asyncio.gather(*(node.stop() for node in nodes), return_exceptions=True)
        for node in nodes:
            node.cleanup()
        await nats.stop()


async def _admin_key(dsn: str) -> str:
    """An admin API key, made as ``csms api-key create`` makes one."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        access = AccessService(PostgresUnitOfWorkProvider(pool), SystemClock())
        return await access.create_key(unique("cluster-admin"), Role.ADMIN)
    finally:
        await pool.close()


def _answering(stations: list[LoadStation]) -> None:
    """Each station answers Reset as firmware would (its client keeps the handler across
    reconnects only if set again: see ``_reconnect``)."""
    for station in stations:
        assert station.client is not None
        station.client.handlers["Reset"] = _accept


async def _accept(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}


async def _reconnect(station: LoadStation, url: str, deadline: float) -> None:
    """Like firmware: after the socket drops, back off, reconnect (the balancer picks a
    live node), boot until Accepted, answer commands again."""
    assert station.client is not None
    await station.client.websocket.wait_closed()
    while time.monotonic() < deadline:
        await asyncio.sleep(random.uniform(0.2, 1.0))
        try:
            await station.connect(url, timeout_s=10)
            await station.boot_until_accepted(deadline=deadline)
        except Exception:  # noqa: S112 (refused while the cluster settles: retry)
            continue
        _answering([station])
        return
    raise AssertionError(f"{station.station_id} did not come back")


async def _holders(dsn: str, prefix: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT station_id, connected_node FROM stations"
            " WHERE station_id LIKE $1 AND connected",
            f"{prefix}-%",
        )
    finally:
        await conn.close()
    return {row["station_id"]: row["connected_node"] for row in rows}


async def _reset_all(api: httpx.AsyncClient, station_ids: list[str]) -> list[int]:
    answers = await asyncio.gather(
        *(api.post(f"/api/stations/{sid}/commands/reset", json={}) for sid in station_ids)
    )
    return [answer.status_code for answer in answers]


async def test_three_nodes_survive_one_killed_with_nothing_lost(
    cluster: tuple[list[ServerProcess], Balancer], migrated_dsn: str
) -> None:
    nodes, balancer = cluster
    url = f"ws://127.0.0.1:{balancer.port}/ocpp"
    prefix = unique("CLU")
    fleet = make_stations(prefix, STATIONS, Latencies())
    key = await _admin_key(migrated_dsn)

    # every station connects through the balancer and boots once, all at the same moment
    await asyncio.gather(*(station.connect(url) for station in fleet))
    started = time.monotonic()
    first = await asyncio.gather(*(station.boot() for station in fleet))
    elapsed = time.monotonic() - started
    accepted = first.count("Accepted")
    # the cluster's bucket: BOOT_RATE at once, refilled at BOOT_RATE/s; 3x that per node
    assert 0 < accepted <= BOOT_RATE + BOOT_RATE * elapsed + 3, (accepted, elapsed)
    await asyncio.gather(*(s.boot_until_accepted(deadline=time.monotonic() + 60) for s in fleet))
    _answering(fleet)

    holders = await _holders(migrated_dsn, prefix)
    node_ids = [node.env["CSMS_NODE_ID"] for node in nodes]
    assert len(holders) == STATIONS
    assert {holders[s] for s in holders} == set(node_ids)  # spread over the three

    headers = {"Authorization": f"Bearer {key}"}
    api_url = f"http://127.0.0.1:{nodes[0].api_port}"
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api:
        view = (await api.get("/api/cluster")).json()
        assert sorted(n["node_id"] for n in view["nodes"]) == sorted(node_ids)
        assert sum(n["stations"] for n in view["nodes"]) >= STATIONS
        elsewhere = [s for s, n in holders.items() if n != node_ids[0]][:40]
        assert set(await _reset_all(api, elsewhere)) == {200}

        # every station starts a session and reports energy
        cards = [f"CARD{i:05d}" for i in range(STATIONS)]
        await _register(migrated_dsn, cards)
        await asyncio.gather(*(s.start(card) for s, card in zip(fleet, cards, strict=True)))
        await asyncio.gather(*(s.meter_values(1000) for s in fleet))

        # kill -9 the third node while every session is open
        victim = nodes[2]
        moved = [s for s in fleet if holders[s.station_id] == node_ids[2]]
        deadline = time.monotonic() + 90
        back = [asyncio.create_task(_reconnect(s, url, deadline)) for s in moved]
        os.killpg(victim.pid, signal.SIGKILL)
        await victim.process.wait()  # type: ignore[union-attr]
        await asyncio.gather(*back)

        # the sessions continue wherever their station is now, and complete
        await asyncio.gather(*(s.meter_values(1000) for s in fleet))
        await asyncio.gather(*(s.stop() for s in fleet))
        after = await _holders(migrated_dsn, prefix)
        assert len(after) == STATIONS
        assert {after[s.station_id] for s in moved} <= set(node_ids[:2])
        assert set(await _reset_all(api, [s.station_id for s in moved][:40])) == {200}

    stored = await stored_sessions(migrated_dsn, prefix)
    conn = await asyncpg.connect(migrated_dsn)
    try:
        energy = await conn.fetchval(
            "SELECT sum(meter_stop_wh - meter_start_wh) FROM sessions WHERE station_id LIKE $1",
            f"{prefix}-%",
        )
    finally:
        await conn.close()
    assert stored == {"completed": STATIONS, "active": 0, "doubled": 0, "unmatched": 0}
    assert energy == STATIONS * 2000


async def _register(dsn: str, cards: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "INSERT INTO id_tokens (id_token, status) VALUES ($1, 'Accepted')"
            " ON CONFLICT DO NOTHING",
            [(card,) for card in cards],
        )
    finally:
        await conn.close()
