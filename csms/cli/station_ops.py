"""``csms station reset|unlock|remote-start|availability|clear-cache|trigger``: through the API.

Each calls the running server's typed operation (``POST /api/stations/{id}/...``) and prints
the station's answer (``csms.cli.api_client``: key, ``--json``, exit codes).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

from csms.cli.api_client import ApiClient, add_api_options, run_api, segment
from csms.cli.common import Subcommands

Body = Callable[[argparse.Namespace], dict[str, Any]]


def _optional(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


BODIES: Final[dict[str, tuple[str, Body]]] = {  # action -> (API path, body of the arguments)
    "reset": ("reset", lambda a: _optional(type=a.type, evse_id=a.evse)),
    "unlock": ("unlock", lambda a: {"evse_id": a.evse, "connector_id": a.connector}),
    "remote-start": (
        "remote-start",
        lambda a: _optional(id_token=a.id_token, evse_id=a.evse),
    ),
    "availability": (
        "availability",
        lambda a: _optional(operative=a.state == "operative", evse_id=a.evse),
    ),
    "clear-cache": ("clear-cache", lambda a: {}),
    "trigger": ("trigger", lambda a: _optional(message=a.message, evse_id=a.evse)),
}
ACTIONS: Final = frozenset(BODIES)


def add_parsers(station: Subcommands) -> None:
    """The API-backed actions of ``csms station``."""
    reset = station.add_parser("reset", help="reset a station (through the running API)")
    reset.add_argument("station_id")
    reset.add_argument("--type", choices=["Soft", "Hard", "Immediate", "OnIdle"], default="Soft")
    reset.add_argument("--evse", type=int, help="2.0.1: only this EVSE")
    unlock = station.add_parser("unlock", help="unlock a connector")
    unlock.add_argument("station_id")
    unlock.add_argument("evse", type=int, help="EVSE (1.6: connector) id")
    unlock.add_argument("--connector", type=int, default=1, help="2.0.1 connector id")
    start = station.add_parser("remote-start", help="start a session with an id token")
    start.add_argument("station_id")
    start.add_argument("id_token", help="sent exactly as given")
    start.add_argument("--evse", type=int)
    available = station.add_parser("availability", help="make a station or EVSE (in)operative")
    available.add_argument("station_id")
    available.add_argument("state", choices=["operative", "inoperative"])
    available.add_argument("--evse", type=int, help="only this EVSE (default: the station)")
    clear = station.add_parser("clear-cache", help="clear the station's authorization cache")
    clear.add_argument("station_id")
    trigger = station.add_parser("trigger", help="ask the station to send a message")
    trigger.add_argument("station_id")
    trigger.add_argument("message", help="e.g. Heartbeat, StatusNotification, MeterValues")
    trigger.add_argument("--evse", type=int)
    for parser in (reset, unlock, start, available, clear, trigger):
        add_api_options(parser)


def _operate(client: ApiClient, args: argparse.Namespace) -> Any:
    path, body = BODIES[args.action]
    return client.request("POST", f"/api/stations/{segment(args.station_id)}/{path}", body(args))


def run(args: argparse.Namespace) -> int:
    return run_api(args, _operate)
