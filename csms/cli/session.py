"""``csms session list|show|close|remote-stop``: sessions through the running server's API.

``list`` and ``show`` print tables (``--json``: the API's answer), ``close`` ends a stuck
session at its last reading (``POST /api/sessions/{id}/close``), ``remote-stop`` asks the
station to stop it (``POST /api/sessions/{id}/remote-stop``). Key, output and exit codes:
``csms.cli.api_client``.
"""

from __future__ import annotations

import argparse
from typing import Any, Final

from csms.cli.api_client import ApiClient, add_api_options, answer_table, run_api, segment, table
from csms.cli.common import Subcommands, actions

COLUMNS: Final = (
    "session_id",
    "station_id",
    "evse_id",
    "id_token",
    "state",
    "started_at",
    "stopped_at",
    "energy_wh",
    "statement_status",
    "total",
)
DETAIL: Final = (*COLUMNS, "transaction_id", "ocpp_version", "stop_reason", "authorization_status")


def add_parser(commands: Subcommands) -> None:
    session = actions(commands, "session", "charging sessions (through the running API)")
    listing = session.add_parser("list", help="list sessions, newest first")
    listing.add_argument("--station", help="only this station's")
    listing.add_argument("--state", choices=["active", "completed"])
    listing.add_argument("--id-token", help="only this card's")
    listing.add_argument("--limit", type=int, default=50)
    show = session.add_parser("show", help="one session")
    close = session.add_parser("close", help="end a stuck session at its last reading")
    close.add_argument("--reason", required=True, help="why (kept with the session)")
    stop = session.add_parser("remote-stop", help="ask the station to stop the session")
    for parser in (show, close, stop):
        parser.add_argument("session_id")
    for parser in (listing, show, close, stop):
        add_api_options(parser)


def _list(client: ApiClient, args: argparse.Namespace) -> Any:
    query = [("limit", str(args.limit))]
    for name, value in (("station_id", args.station), ("state", args.state)):
        if value:
            query.append((name, value))
    if args.id_token:
        query.append(("id_token", args.id_token))
    return client.request("GET", "/api/sessions", query=query)


def _list_table(answer: Any) -> str:
    return table(answer.get("sessions", []), COLUMNS)


def _show_table(answer: Any) -> str:
    return table(
        [{"field": name, "value": answer.get(name)} for name in DETAIL], ["field", "value"]
    )


def _one(client: ApiClient, args: argparse.Namespace) -> Any:
    path = f"/api/sessions/{segment(args.session_id)}"
    if args.action == "show":
        return client.request("GET", path)
    if args.action == "close":
        return client.request("POST", f"{path}/close", {"reason": args.reason})
    return client.request("POST", f"{path}/remote-stop", {})


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return run_api(args, _list, _list_table)
    if args.action == "remote-stop":
        return run_api(args, _one, answer_table)
    return run_api(args, _one, _show_table if args.action == "show" else _closed_table)


def _closed_table(answer: Any) -> str:
    """What ``close`` answers: the statement issued for the closed session, or the session."""
    return table([answer], [key for key in answer if not isinstance(answer[key], dict | list)][:8])
