"""``csms serve``: run the central system until SIGTERM or SIGINT; ``--demo`` adds demo cards."""

from __future__ import annotations

import argparse
import asyncio
import signal

import structlog

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
    serve.add_argument("--database-url", dest="serve_database_url", help=argparse.SUPPRESS)
    serve.add_argument(
        "--demo", action="store_true", help="also register demo cards (see README quick start)"
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
    if demo and settings.tariff_assignments is None:
        settings = settings.model_copy(update={"tariff_assignments": DEMO_ASSIGNMENTS})
    async with CentralSystem(settings) as system:
        if demo:
            await _add_demo_cards(system, settings)
        await stop.wait()


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
