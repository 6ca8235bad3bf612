"""throughput: stations running sessions; persisted messages per second and latency.

    python -m bench.throughput [--stations 200] [--mode closed|open] [--rate 1000]
                               [--duration-s 20] [--meter-values 5] [--versions mix|1.6|2.0.1]
                               [--ramp-per-s 0]

Each station loops Authorize -> start (1.6 StartTransaction / 2.0.1 TransactionEvent
Started) -> N meter values -> stop. ``closed``: the next message goes as soon as the answer
arrives. ``open``: messages are sent on a schedule at ``--rate`` messages/s in total (each
station paced at rate/stations, never more than one outstanding call, as OCPP-J requires).
The central system answers a Call only after its transaction committed, so every answered
message is a persisted one. Prints JSON: messages/s, latency per action p50/p95/p99 (ms),
CPU ms per message of the server and of its PostgreSQL apart.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

from bench.harness import ServerProcess, emit, percentiles, raise_fd_limit
from bench.load import VERSIONS, Latencies, LoadStation, make_stations


async def _session_loop(
    station: LoadStation, until: float, meter_values: int, pace_s: float | None, lag: list[float]
) -> None:
    # open loop: stations start at random offsets within their pace, so the offered load is
    # a steady rate, not synchronized bursts of every station at once
    next_send = time.monotonic() + (random.uniform(0, pace_s) if pace_s else 0)

    async def paced() -> None:
        nonlocal next_send
        if pace_s is None:
            return
        delay = next_send - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag.append(-delay)
        next_send += pace_s

    card = f"CARD{station.station_id[-5:]}"
    while time.monotonic() < until:
        await paced()
        await station.authorize(card)
        await paced()
        await station.start(card)
        for _ in range(meter_values):
            if time.monotonic() >= until:
                break
            await paced()
            await station.meter_values(250)
        await paced()
        await station.stop()


async def _connect_and_boot(fleet: list[LoadStation], url: str, ramp_per_s: float) -> None:
    """Connect every station (``ramp_per_s`` a second, 0 = all at once) and boot it until
    Accepted (a Pending boot waits the interval the central system gave: storm control)."""
    deadline = time.monotonic() + 300

    async def one(index: int, station: LoadStation) -> None:
        if ramp_per_s:
            await asyncio.sleep(index / ramp_per_s)
        await station.connect(url)
        await station.boot_until_accepted(deadline=deadline)

    await asyncio.gather(*(one(i, s) for i, s in enumerate(fleet)))


async def drive(
    url: str,
    stations: int,
    *,
    mode: str,
    rate: float,
    duration_s: float,
    meter_values: int,
    prefix: str = "TPUT",
    versions: str = "mix",
    ramp_per_s: float = 0,
) -> dict[str, Any]:
    """Run the load against ``url`` (ours or the floor server) and measure it."""
    latencies = Latencies()
    fleet = make_stations(prefix, stations, latencies, versions)
    await _connect_and_boot(fleet, url, ramp_per_s)
    latencies.by_action.clear()
    lag: list[float] = []
    pace = stations / rate if mode == "open" else None
    began = time.monotonic()
    until = began + duration_s
    results = await asyncio.gather(
        *(_session_loop(s, until, meter_values, pace, lag) for s in fleet), return_exceptions=True
    )
    elapsed = time.monotonic() - began
    await asyncio.gather(*(s.close() for s in fleet), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    return {
        "messages": latencies.count,
        "messages_per_s": round(latencies.count / elapsed, 1),
        "latency_ms": {
            action: percentiles(values) for action, values in sorted(latencies.by_action.items())
        },
        "all_latency_ms": percentiles(v for vs in latencies.by_action.values() for v in vs),
        "schedule_lag_ms": percentiles(lag) if mode == "open" else None,
        "station_errors": len(errors),
        "error_kinds": sorted({type(e).__name__ for e in errors}),
        "elapsed_s": round(elapsed, 2),
    }


async def run(
    stations: int,
    mode: str,
    rate: float,
    duration_s: float,
    meter_values: int,
    versions: str = "mix",
    ramp_per_s: float = 0,
) -> dict[str, Any]:
    raise_fd_limit()
    server = ServerProcess()
    await server.start()
    try:
        before = server.usage()
        result = await drive(
            server.url,
            stations,
            mode=mode,
            rate=rate,
            duration_s=duration_s,
            meter_values=meter_values,
            versions=versions,
            ramp_per_s=ramp_per_s,
        )
        after = server.usage()
        cpu_s = after["cpu_s"] - before["cpu_s"]
        db_cpu_s = after["db_cpu_s"] - before["db_cpu_s"]
        return {
            "benchmark": "throughput",
            "mode": mode,
            "stations": stations,
            "versions": versions,
            "target_rate": rate if mode == "open" else None,
            **result,
            "server_cpu_ms_per_message": round(cpu_s * 1000 / max(result["messages"], 1), 3),
            "server_cpu_utilisation": round(cpu_s / result["elapsed_s"], 2),
            "database_cpu_ms_per_message": round(db_cpu_s * 1000 / max(result["messages"], 1), 3),
            "database_cpu_utilisation": round(db_cpu_s / result["elapsed_s"], 2),
            "server_rss_mb": after["rss_mb"],
        }
    finally:
        await server.stop()
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--mode", choices=["closed", "open"], default="closed")
    parser.add_argument("--rate", type=float, default=1000, help="open loop: messages/s")
    parser.add_argument("--duration-s", type=float, default=20)
    parser.add_argument("--meter-values", type=int, default=5)
    parser.add_argument("--versions", choices=sorted(VERSIONS), default="mix")
    parser.add_argument("--ramp-per-s", type=float, default=0, help="connects a second (0: all)")
    args = parser.parse_args()
    emit(
        asyncio.run(
            run(
                args.stations,
                args.mode,
                args.rate,
                args.duration_s,
                args.meter_values,
                args.versions,
                args.ramp_per_s,
            )
        )
    )


if __name__ == "__main__":
    main()
