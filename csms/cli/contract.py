"""``csms contract add|show|list|terminate|reading|import-readings|read-charger``: monthly
contracts (seed 003, 001) through the running server's API."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from csms.cli.api_client import ApiClient, CliFailure, add_api_options, run_api, segment
from csms.cli.common import Subcommands, actions


def add_parser(commands: Subcommands) -> None:
    contract = actions(commands, "contract", "monthly contracts (through the API)")
    add = contract.add_parser("add", help="add or change a contract from a JSON file")
    add.add_argument("file", type=Path)
    show = contract.add_parser("show", help="one contract, with its term")
    show.add_argument("contract_id")
    listing = contract.add_parser("list", help="contracts")
    listing.add_argument("--place", help="only this place of use")
    end = contract.add_parser("terminate", help="terminate a contract")
    end.add_argument("contract_id")
    end.add_argument("terminated_on", help="YYYY-MM-DD")
    end.add_argument("--handed-back", help="YYYY-MM-DD: the space was handed back on")
    reading = contract.add_parser("reading", help="record a month's readings (kWh as read)")
    reading.add_argument("contract_id")
    reading.add_argument("month", help="YYYY-MM")
    reading.add_argument("opening_kwh")
    reading.add_argument("closing_kwh")
    imports = contract.add_parser("import-readings", help="contract_id,month,opening,closing")
    imports.add_argument("file", type=Path)
    charger = contract.add_parser("read-charger", help="a month's reading from the charger")
    charger.add_argument("contract_id")
    charger.add_argument("month")
    for parser in (add, show, listing, end, reading, imports, charger):
        add_api_options(parser)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CliFailure(f"cannot read {path}: {exc}", 2) from exc


def _call(client: ApiClient, args: argparse.Namespace) -> Any:
    one = f"/api/contracts/{segment(getattr(args, 'contract_id', '') or '')}"
    if args.action == "add":
        try:
            body = json.loads(_text(args.file))
        except ValueError as exc:
            raise CliFailure(f"{args.file} is not JSON: {exc}", 2) from exc
        return client.request("POST", "/api/contracts", body)
    if args.action == "show":
        return client.request("GET", one)
    if args.action == "list":
        return client.request(
            "GET", "/api/contracts", query=[("place_id", args.place)] if args.place else ()
        )
    if args.action == "terminate":
        body = {"terminated_on": args.terminated_on, "handed_back_on": args.handed_back}
        return client.request("POST", f"{one}/termination", body)
    if args.action == "reading":
        body = {"opening_kwh": args.opening_kwh, "closing_kwh": args.closing_kwh}
        return client.request("PUT", f"{one}/readings/{segment(args.month)}", body)
    if args.action == "read-charger":
        return client.request("POST", f"{one}/readings/{segment(args.month)}/from-charger")
    return client.request("POST", "/api/contract-readings", {"csv": _text(args.file)})


def run(args: argparse.Namespace) -> int:
    return run_api(
        args, _call, render=lambda answer: json.dumps(answer, indent=2, ensure_ascii=False)
    )
