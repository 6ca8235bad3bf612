"""``csms station reservable ID --on|--off``: a station's reservation policy (seed 002 第10条:
予約可能な充電器として設定), through the running server's API
(``PUT /api/stations/{id}/reservations-policy``). Fees are tax-included yen."""

from __future__ import annotations

import argparse
from typing import Any

from csms.cli.api_client import ApiClient, add_api_options, run_api, segment
from csms.cli.common import Subcommands


def add_parser(station: Subcommands) -> None:
    parser = station.add_parser("reservable", help="make a station reservable (or not)")
    parser.add_argument("station_id")
    switch = parser.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="reservable", action="store_true")
    switch.add_argument("--off", dest="reservable", action="store_false")
    parser.add_argument("--evse", type=int, action="append", help="only these EVSEs (repeat)")
    parser.add_argument("--slot-minutes", type=int, default=30)
    parser.add_argument("--max-slots", type=int, default=8, help="longest window, in slots")
    parser.add_argument("--days-ahead", type=int, default=14, help="how far ahead")
    parser.add_argument("--hours", help="opening hours in JST, e.g. 08:00-22:00")
    parser.add_argument("--no-show-fee", default="0", help="yen (tax incl.), e.g. 550")
    parser.add_argument("--extension-fee", default="0", help="yen per started minute")
    add_api_options(parser)


def _body(args: argparse.Namespace) -> dict[str, Any]:
    opens = closes = None
    if args.hours:
        opens, _, closes = args.hours.partition("-")
    return {
        "reservable": args.reservable,
        "evse_ids": args.evse,
        "slot_minutes": args.slot_minutes,
        "max_slots": args.max_slots,
        "max_days_ahead": args.days_ahead,
        "opens_at": opens,
        "closes_at": closes,
        "no_show_fee": args.no_show_fee,
        "extension_fee_per_minute": args.extension_fee,
    }


def _put(client: ApiClient, args: argparse.Namespace) -> Any:
    path = f"/api/stations/{segment(args.station_id)}/reservations-policy"
    return client.request("PUT", path, _body(args))


def run(args: argparse.Namespace) -> int:
    return run_api(args, _put)
