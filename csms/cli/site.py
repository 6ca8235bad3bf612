"""``csms site put|show|list``: sites for smart charging (the contracted demand, the feeder
tree and the EVSEs on it), through the running server's API (``PUT /api/sites/{id}`` with the
JSON of a file); ``csms site boost SESSION_ID --duration-s N``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from csms.cli.api_client import ApiClient, CliFailure, add_api_options, run_api, segment
from csms.cli.common import Subcommands, actions


def add_parser(commands: Subcommands) -> None:
    site = actions(commands, "site", "sites, feeders and power sharing (through the API)")
    put = site.add_parser("put", help="add or replace a site from a JSON file")
    put.add_argument("site_id")
    put.add_argument("file", type=Path, help='{"name", "contracted_kw"?, "feeders", "members"}')
    show = site.add_parser("show", help="one site")
    show.add_argument("site_id")
    listing = site.add_parser("list", help="the sites")
    boost = site.add_parser("boost", help="boost a session's EVSE for a while")
    boost.add_argument("session_id")
    boost.add_argument("--duration-s", type=int, required=True)
    for parser in (put, show, listing, boost):
        add_api_options(parser)


def _call(client: ApiClient, args: argparse.Namespace) -> Any:
    if args.action == "put":
        try:
            body = json.loads(args.file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliFailure(f"cannot read {args.file}: {exc}", 2) from exc
        return client.request("PUT", f"/api/sites/{segment(args.site_id)}", body)
    if args.action == "show":
        return client.request("GET", f"/api/sites/{segment(args.site_id)}")
    if args.action == "boost":
        path = f"/api/sessions/{segment(args.session_id)}/boost"
        return client.request("POST", path, {"duration_s": args.duration_s})
    return client.request("GET", "/api/sites")


def run(args: argparse.Namespace) -> int:
    return run_api(args, _call, render=lambda answer: json.dumps(answer, indent=2))
