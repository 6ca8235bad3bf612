"""independent: the load from a strict OCPP client that is not ours (ocpp-rpc, Node.js).

    python -m bench.independent [--stations 50] [--versions mix|1.6|2.0.1]
                                [--mode closed|open] [--rate 1000] [--duration-s 20]
                                [--meter-values 5] [--ramp-per-s 200] [--floor]

``ocpp-rpc`` in strict mode validates every call it sends and every answer it gets against
the OCPP 1.6 / 2.0.1 JSON schemas, so a figure here is not shaped by our simulator's
assumptions (a malformed answer counts as an error). The same session loop as
``bench.throughput`` (Authorize, start, meter values, stop) runs against ``csms serve``
with its embedded PostgreSQL; with ``--floor`` it also runs, first, against the bare
in-memory OCPP-J server of ``bench.floor`` and reports our fraction of it. Needs Node.js
and npm (development only): ``bench/ocpp_rpc`` is installed with ``npm ci`` on first use.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench.floor import floor_server
from bench.harness import ServerProcess, emit, raise_fd_limit
from bench.load import VERSIONS

CLIENT = Path(__file__).parent / "ocpp_rpc"


def install_client() -> None:
    """``npm ci`` once (the lock file pins ocpp-rpc and its dependencies)."""
    if (CLIENT / "node_modules" / "ocpp-rpc").is_dir():
        return
    if shutil.which("npm") is None:
        raise SystemExit("bench.independent needs Node.js and npm")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],  # noqa: S607
        cwd=CLIENT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def drive(url: str, args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    options = {
        "url": url,
        "prefix": prefix,
        "stations": args.stations,
        "versions": list(VERSIONS[args.versions]),
        "mode": args.mode,
        "rate": args.rate,
        "durationS": args.duration_s,
        "meterValues": args.meter_values,
        "rampPerS": args.ramp_per_s,
        "bootTimeoutS": 120,
    }
    node = await asyncio.create_subprocess_exec(
        "node", str(CLIENT / "load.js"), json.dumps(options), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await node.communicate()
    if node.returncode != 0:
        raise RuntimeError(f"the ocpp-rpc load exited {node.returncode}")
    result: dict[str, Any] = json.loads(out)
    return result


async def _floor(args: argparse.Namespace) -> dict[str, Any]:
    async with floor_server() as url:
        return await drive(url, args, "FLOOR")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()
    install_client()
    floor = await _floor(args) if args.floor else None
    server = ServerProcess()
    await server.start()
    try:
        before = server.usage()
        ours = await drive(server.url, args, "RPC")
        after = server.usage()
    finally:
        await server.stop()
        server.cleanup()
    messages = max(ours["messages"], 1)
    result = {
        "benchmark": "independent",
        "versions": args.versions,
        "mode": args.mode,
        "target_rate": args.rate if args.mode == "open" else None,
        **ours,
        "server_cpu_ms_per_message": round((after["cpu_s"] - before["cpu_s"]) * 1000 / messages, 3),
        "database_cpu_ms_per_message": round(
            (after["db_cpu_s"] - before["db_cpu_s"]) * 1000 / messages, 3
        ),
        "server_rss_mb": after["rss_mb"],
    }
    if floor is not None:
        result["floor_messages_per_s"] = floor["messages_per_s"]
        result["floor_errors"] = floor["errors"]
        result["fraction_of_floor"] = round(
            ours["messages_per_s"] / max(floor["messages_per_s"], 1), 3
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--versions", choices=sorted(VERSIONS), default="mix")
    parser.add_argument("--mode", choices=["closed", "open"], default="closed")
    parser.add_argument("--rate", type=float, default=1000, help="open loop: messages/s")
    parser.add_argument("--duration-s", type=float, default=20)
    parser.add_argument("--meter-values", type=int, default=5)
    parser.add_argument("--ramp-per-s", type=float, default=200)
    parser.add_argument("--floor", action="store_true", help="also measure the bare floor")
    emit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
