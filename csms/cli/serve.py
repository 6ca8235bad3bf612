"""``csms serve``: run the central system until SIGTERM or SIGINT.

``--demo`` turns development mode on (unknown stations are registered when they connect),
adds demo cards and tariff assignments, and creates a demo admin API key that it prints
with the URLs. Without it nothing is implied: development mode is off unless
``CSMS_DEV_MODE=true`` asks for it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal

import structlog

from csms.access.models import Role
from csms.authorization.models import TokenStatus
from csms.bootstrap import CentralSystem
from csms.cli.common import Subcommands, run_with_settings
from csms.settings import Settings
from csms.storage.tariff_files import DEFAULT_DIR as TARIFFS_DIR

DEMO_CARDS = {
    "0123456789ABCDEF": TokenStatus.ACCEPTED,  # a FeliCa IDm, as the simulator's reader sends
    "DEMOMEMBER1": TokenStatus.ACCEPTED,
    "DEMOBLOCKED1": TokenStatus.BLOCKED,
}

DEMO_ASSIGNMENTS = TARIFFS_DIR.parent / "demo-assignments.json"
DEMO_KEY_PREFIX = "demo-admin-"

DEMO_PRICED_STATIONS = [
    "DEMO-AC-00000",
    "DEMO-DC50-00000",
    "DEMO-DC90-00000",
    "DEMO-OASIS-00000",
    "DEMO-EOC-00000",
]


def add_parser(commands: Subcommands) -> None:
    serve = commands.add_parser("serve", help="run the central system")
    serve.add_argument("--host", help="OCPP websocket address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="OCPP websocket port (default 9000)")
    serve.add_argument("--api-host", help="HTTP API address (default 127.0.0.1)")
    serve.add_argument("--api-port", type=int, help="HTTP API port (default 8080)")
    serve.add_argument("--public-host", help="visitor pages' address (default 127.0.0.1)")
    serve.add_argument("--public-port", type=int, help="visitor pages' port (default 8081)")
    serve.add_argument("--database-url", dest="serve_database_url", help=argparse.SUPPRESS)
    serve.add_argument(
        "--nats-url", help="NATS with JetStream shared by several nodes (docs/cluster.md)"
    )
    serve.add_argument("--node-id", help="this node's name in the cluster (default host-pid)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="development mode with demo cards and a demo admin key (README quick start)",
    )


def run(args: argparse.Namespace) -> int:
    async def serve(settings: Settings) -> int:
        await _serve(settings, demo=args.demo)
        return 0

    return run_with_settings(args, serve)


async def _serve(settings: Settings, *, demo: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if demo:
        update: dict[str, object] = {"dev_mode": True}
        if settings.tariff_assignments is None:
            update["tariff_assignments"] = DEMO_ASSIGNMENTS
        if settings.tariff_default_class is None:  # stations registered at run time: priced
            update["tariff_default_class"] = "ac"
        settings = settings.model_copy(update=update)
    tune_garbage_collector(settings.gc_young_threshold)  # before any station connects
    async with CentralSystem(settings) as system:
        if demo:
            await _add_demo_cards(system, settings)
            _print_demo_key(system, settings, await _new_demo_key(system))
        await stop.wait()


def tune_garbage_collector(young_threshold: int) -> None:
    """Fewer, cheaper cycle collections for a server holding thousands of connections.

    With Python's default (a young collection every 700 allocations), objects of messages in
    flight survive into the oldest generation, and its full collections then scan every
    connection's objects: 0.2-0.6 s pauses of the event loop with 2,000-10,000 stations
    (docs/performance.md). A young threshold of ``young_threshold`` lets them die young; what
    the process holds before it serves (modules, settings) is frozen out of every collection,
    before any station connects, so no connection's objects are ever frozen. 0 keeps
    Python's defaults.
    """
    if young_threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, 20, 100)


async def _new_demo_key(system: CentralSystem) -> str:
    """A fresh demo admin key; the demo keys of earlier runs are revoked."""
    assert system.access is not None
    for key in await system.access.keys():
        if key.name.startswith(DEMO_KEY_PREFIX) and key.revoked_at is None:
            await system.access.revoke_key(key.name)
    name = f"{DEMO_KEY_PREFIX}{system.clock.now():%Y%m%d%H%M%S%f}"
    return await system.access.create_key(name, Role.ADMIN)


def _print_demo_key(system: CentralSystem, settings: Settings, key: str) -> None:
    api = f"http://{settings.api_host}:{system.api_port}"
    print(
        f"\ncsms demo: admin API key (development only; revoked at the next --demo start):\n"
        f"  export CSMS_API_KEY={key}\n"
        f'  curl -H "Authorization: Bearer $CSMS_API_KEY" {api}/api/sessions\n'
        f"  console: {api}/ (log in with the key)\n"
        f"  OCPP: ws://{settings.host}:{system.ocpp_port}/ocpp/{{station_id}}   "
        f"visitors: http://{settings.public_host}:{system.public_port}/v/{{stand_id}}\n",
        flush=True,
    )


async def _add_demo_cards(system: CentralSystem, settings: Settings) -> None:
    assert system.admin is not None
    for card, status in DEMO_CARDS.items():
        await system.admin.set_token(card, status)
    structlog.get_logger("csms.demo").info(
        "demo_ready",
        ocpp_url=f"ws://{settings.host}:{system.ocpp_port}/ocpp/{{station_id}}",
        api_url=f"http://{settings.api_host}:{system.api_port}/api/sessions",
        cards=list(DEMO_CARDS),
        priced_stations=DEMO_PRICED_STATIONS,
    )
