"""storm: N stations connected, some in sessions; the server is SIGKILLed and restarted.

    python -m bench.storm [--stations 1000] [--in-session 0.2] [--ramp-per-s 500]

Reports the time from the restart until every station is back and Accepted (stations
reconnect with 0.5-2 s of random back-off and retry Pending boots after the interval the
central system gives), then continues every open session (a meter value and a stop) and
checks in the database that no session was lost or duplicated and all of them completed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import asyncpg

from bench.harness import ServerProcess, emit, percentiles, raise_fd_limit
from bench.load import Latencies, LoadStation, make_stations


async def _reconnect(
    station: LoadStation,
    url: str,
    restarted: asyncio.Event,
    back: dict[str, float],
    deadline: float,
) -> None:
    """Like firmware: after the socket drops, back off, reconnect, boot until Accepted."""
    assert station.client is not None
    await station.client.websocket.wait_closed()
    await restarted.wait()
    while time.monotonic() < deadline:
        await asyncio.sleep(random.uniform(0.5, 2.0))
        try:
            await station.connect(url, timeout_s=30)
            await station.boot_until_accepted(deadline=deadline)
        except Exception:  # noqa: S112 (refused or reset while the server starts: retry)
            continue
        back[station.station_id] = time.monotonic()
        return


async def _database_check(server: ServerProcess, started: int, prefix: str) -> dict[str, Any]:
    dsn = f"postgresql://csms@/csms?host={server.data_dir / 'data' / 'pgdata'}&port=5432"
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT state, count(*) AS n FROM sessions WHERE station_id LIKE $1 GROUP BY state",
            f"{prefix}-%",
        )
        duplicates = await conn.fetchval(
            "SELECT count(*) FROM (SELECT station_id, transaction_id FROM sessions"
            " WHERE station_id LIKE $1 GROUP BY 1, 2 HAVING count(*) > 1) d",
            f"{prefix}-%",
        )
        unmatched = await conn.fetchval(
            "SELECT count(*) FROM unmatched_stops WHERE station_id LIKE $1", f"{prefix}-%"
        )
    finally:
        await conn.close()
    by_state = {row["state"]: row["n"] for row in rows}
    total = sum(by_state.values())
    return {
        "sessions_started": started,
        "sessions_stored": total,
        "sessions_completed": by_state.get("completed", 0),
        "duplicates": duplicates,
        "unmatched_stops": unmatched,
        "lost_or_duplicated": total != started or duplicates != 0 or unmatched != 0,
    }


async def run(
    stations: int, in_session: float, ramp_per_s: float, deadline_s: float
) -> dict[str, Any]:
    raise_fd_limit()
    server = ServerProcess()
    await server.start()
    prefix = "STORM"
    try:
        fleet = make_stations(prefix, stations, Latencies())
        for index in range(0, stations, max(int(ramp_per_s), 1)):
            batch = fleet[index : index + int(ramp_per_s)]
            await asyncio.gather(*(s.connect(server.url) for s in batch))
            await asyncio.gather(
                *(s.boot_until_accepted(deadline=time.monotonic() + 120) for s in batch)
            )
        charging = fleet[: int(stations * in_session)]
        await asyncio.gather(*(s.start(f"CARD{i:05d}") for i, s in enumerate(charging)))
        await asyncio.gather(*(s.meter_values(500) for s in charging))

        restarted = asyncio.Event()
        back: dict[str, float] = {}
        deadline = time.monotonic() + deadline_s
        watchers = [
            asyncio.create_task(_reconnect(s, server.url, restarted, back, deadline)) for s in fleet
        ]
        await server.kill()
        restart_at = time.monotonic()
        await server.start(ocpp_port=server.ocpp_port, api_port=server.api_port)
        server_up_s = time.monotonic() - restart_at
        restarted.set()
        await asyncio.gather(*watchers)
        recovery = sorted(t - restart_at for t in back.values())

        # every open session continues on the new server
        await asyncio.gather(*(s.meter_values(500) for s in charging if s.station_id in back))
        await asyncio.gather(*(s.stop() for s in charging if s.station_id in back))
        check = await _database_check(server, len(charging), prefix)
        await asyncio.gather(*(s.close() for s in fleet), return_exceptions=True)
        return {
            "benchmark": "storm",
            "stations": stations,
            "in_session": len(charging),
            "server_restart_s": round(server_up_s, 2),
            "stations_back": len(back),
            "all_back_s": round(recovery[-1], 2) if len(back) == stations else None,
            "back_latency_s": {
                k: (v / 1000 if v is not None else None)
                for k, v in percentiles(recovery).items()
                if k != "n"
            },
            **check,
        }
    finally:
        await server.stop()
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--in-session", type=float, default=0.2)
    parser.add_argument("--ramp-per-s", type=float, default=500)
    parser.add_argument("--deadline-s", type=float, default=120)
    args = parser.parse_args()
    emit(asyncio.run(run(args.stations, args.in_session, args.ramp_per_s, args.deadline_s)))


if __name__ == "__main__":
    main()
