"""connections: ramp to N stations that boot and heartbeat; what does the server hold?

    python -m bench.connections [--stations 1000] [--ramp-per-s 500] [--hold-s 10]

Prints JSON: stations held, boot latency p50/p95/p99 (connect + BootNotification answered),
server RSS before and after and per connection, server CPU seconds during the ramp.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench.harness import ServerProcess, emit, percentiles, raise_fd_limit
from bench.load import Latencies, LoadStation, make_stations


async def _station(
    station: LoadStation,
    url: str,
    boots: list[float],
    hold_until: float,
    heartbeat_s: float,
    failures: list[str],
) -> None:
    started = time.perf_counter()
    try:
        await station.connect(url)
        await station.boot_until_accepted(deadline=time.monotonic() + 60)
        boots.append(time.perf_counter() - started)
        while time.monotonic() < hold_until:
            await asyncio.sleep(min(heartbeat_s, max(hold_until - time.monotonic(), 0)))
            if time.monotonic() < hold_until:
                await station.heartbeat()
    except Exception as exc:  # counted and reported, the run goes on
        failures.append(f"{type(exc).__name__}: {str(exc)[:80]}")


async def run(
    stations: int, ramp_per_s: float, hold_s: float, heartbeat_s: float
) -> dict[str, Any]:
    raise_fd_limit()
    server = ServerProcess()
    await server.start()
    try:
        before = server.usage()
        latencies = Latencies()
        fleet = make_stations("CONN", stations, latencies)
        boots: list[float] = []
        failures: list[str] = []
        ramp_s = stations / ramp_per_s
        hold_until = time.monotonic() + ramp_s + hold_s
        tasks = []
        began = time.monotonic()
        for index, station in enumerate(fleet):
            delay = began + index / ramp_per_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(
                asyncio.create_task(
                    _station(station, server.url, boots, hold_until, heartbeat_s, failures)
                )
            )
        ramp_done = server.usage()
        # counted in the middle of the hold: every station has had half of it to boot
        await asyncio.sleep(max(hold_until - time.monotonic() - hold_s / 2, 0))
        held = sum(1 for s in fleet if s.client and s.client.websocket.state.name == "OPEN")
        during = server.usage()
        await asyncio.gather(*tasks)
        await asyncio.gather(*(s.close() for s in fleet), return_exceptions=True)
        return {
            "benchmark": "connections",
            "stations": stations,
            "stations_held": held,
            "failures": len(failures),
            "failure_kinds": sorted(set(failures)),
            "boot_latency_ms": percentiles(boots),
            "server_rss_mb_idle": before["rss_mb"],
            "server_rss_mb_held": during["rss_mb"],
            "rss_kb_per_connection": round(
                (during["rss_mb"] - before["rss_mb"]) * 1024 / max(held, 1), 1
            ),
            "server_cpu_s_ramp": round(ramp_done["cpu_s"] - before["cpu_s"], 2),
            "ramp_s": round(ramp_s, 1),
            "heartbeats": len(latencies.by_action.get("Heartbeat", [])),
            "heartbeat_latency_ms": percentiles(latencies.by_action.get("Heartbeat", [])),
        }
    finally:
        await server.stop()
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--ramp-per-s", type=float, default=500)
    parser.add_argument("--hold-s", type=float, default=10)
    parser.add_argument("--heartbeat-s", type=float, default=5)
    args = parser.parse_args()
    emit(asyncio.run(run(args.stations, args.ramp_per_s, args.hold_s, args.heartbeat_s)))


if __name__ == "__main__":
    main()
