"""floor: the same closed-loop load against a bare websocket server that answers OCPP
frames from memory (no validation, no database), to express our throughput as a fraction
of what the websocket and JSON layers alone allow on this machine.

    python -m bench.floor [--stations 100] [--duration-s 10] [--meter-values 5]
                          [--versions mix|1.6|2.0.1]

The floor server runs in its own process (``python -m bench.floor --serve PORT``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import AsyncIterator
from typing import Any, Final

from bench.harness import HOST, ServerProcess, emit, free_port, raise_fd_limit
from bench.load import VERSIONS
from bench.throughput import drive

_TX = itertools.count(1)
_NOW = "2025-01-01T00:00:00.000Z"
_ANSWERS: dict[str, Any] = {
    "BootNotification": {"currentTime": _NOW, "interval": 300, "status": "Accepted"},
    "Heartbeat": {"currentTime": _NOW},
    "Authorize": {"idTagInfo": {"status": "Accepted"}},
    "StopTransaction": {},
    "MeterValues": {},
    "TransactionEvent": {},
    "StatusNotification": {},
}


_AUTHORIZED_201: Final = {"idTokenInfo": {"status": "Accepted"}}


async def _answer(websocket: Any) -> None:
    v201 = websocket.subprotocol == "ocpp2.0.1"  # answers valid for a strict client
    async for raw in websocket:
        _, message_id, action, _payload = json.loads(raw)
        if action == "StartTransaction":
            answer: Any = {"transactionId": next(_TX), "idTagInfo": {"status": "Accepted"}}
        elif v201 and action == "Authorize":
            answer = _AUTHORIZED_201
        else:
            answer = _ANSWERS.get(action, {})
        await websocket.send(json.dumps([3, message_id, answer]))


async def serve(port: int) -> None:
    from websockets.asyncio.server import serve as ws_serve

    async with ws_serve(
        _answer,
        HOST,
        port,
        subprotocols=["ocpp2.0.1", "ocpp1.6"],  # type: ignore[list-item]
        compression=None,
        ping_interval=None,
    ):
        await asyncio.Future()


@contextlib.asynccontextmanager
async def floor_server() -> AsyncIterator[str]:
    """The bare server in a process of its own, ready; yields its OCPP URL."""
    port = free_port()
    floor = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.floor", "--serve", str(port)
    )
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection(HOST, port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield f"ws://{HOST}:{port}/ocpp"
    finally:
        floor.terminate()
        await floor.wait()


async def run(
    stations: int, duration_s: float, meter_values: int, versions: str = "mix"
) -> dict[str, Any]:
    raise_fd_limit()
    async with floor_server() as url:
        bare = await drive(
            url,
            stations,
            mode="closed",
            rate=0,
            duration_s=duration_s,
            meter_values=meter_values,
            prefix="FLOOR",
            versions=versions,
        )
    server = ServerProcess()
    await server.start()
    try:
        ours = await drive(
            server.url,
            stations,
            mode="closed",
            rate=0,
            duration_s=duration_s,
            meter_values=meter_values,
            versions=versions,
        )
    finally:
        await server.stop()
        server.cleanup()
    return {
        "benchmark": "floor",
        "stations": stations,
        "versions": versions,
        "floor_messages_per_s": bare["messages_per_s"],
        "floor_latency_ms": bare["all_latency_ms"],
        "csms_messages_per_s": ours["messages_per_s"],
        "csms_latency_ms": ours["all_latency_ms"],
        "fraction_of_floor": round(ours["messages_per_s"] / max(bare["messages_per_s"], 1), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--duration-s", type=float, default=10)
    parser.add_argument("--meter-values", type=int, default=5)
    parser.add_argument("--versions", choices=sorted(VERSIONS), default="mix")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    emit(asyncio.run(run(args.stations, args.duration_s, args.meter_values, args.versions)))


if __name__ == "__main__":
    main()
