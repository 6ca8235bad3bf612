"""``csms station add|list|operator``: register stations, list them, set their operator
(on the database); ``reset|unlock|remote-start|availability|clear-cache|trigger`` and
``reservable`` go through the running server's API (``station_ops``, ``station_reservable``)."""

from __future__ import annotations

import argparse
import sys

from csms.cli import station_ops, station_reservable
from csms.cli.common import Admin, Subcommands, actions, admin_command, print_json


def add_parser(commands: Subcommands) -> None:
    station = actions(commands, "station", "manage stations")
    add_station = station.add_parser("add", help="register a station")
    add_station.add_argument("station_id")
    add_station.add_argument(
        "--password", help="HTTP Basic password / 1.6 AuthorizationKey, 16-40 bytes (hashed)"
    )
    add_station.add_argument(
        "--password-hex", action="store_true", help="the password is a hex AuthorizationKey"
    )
    add_station.add_argument(
        "--profile",
        type=int,
        choices=[0, 1, 2, 3],
        help="security profile: 0 none (development), 1 Basic, 2 TLS+Basic, 3 TLS client "
        "certificate (default: 1 with a password, else 0)",
    )
    station.add_parser("list", help="list stations")
    owner = station.add_parser("operator", help="set the operator that owns a station")
    owner.add_argument("station_id")
    owner.add_argument("operator_id")
    station_ops.add_parsers(station)
    station_reservable.add_parser(station)


def run(args: argparse.Namespace) -> int:
    if args.action in station_ops.ACTIONS:
        return station_ops.run(args)
    if args.action == "reservable":
        return station_reservable.run(args)
    return _on_database(args)


@admin_command
async def _on_database(args: argparse.Namespace, admin: Admin) -> None:
    if args.action == "add":
        added = await admin.service.add_station(
            args.station_id, args.password, profile=args.profile, hex_key=args.password_hex
        )
        print(f"station {args.station_id} {'added' if added else 'updated'}")
        if not args.password and args.profile in (None, 0):
            print(
                f"csms: warning: station {args.station_id} has no credentials (profile 0): it "
                "can connect only while development mode is on; give it --password or "
                "--profile 3 (client certificate)",
                file=sys.stderr,
            )
    elif args.action == "operator":
        await admin.service.assign_station(args.station_id, args.operator_id)
        print(f"station {args.station_id} belongs to {args.operator_id}")
    else:
        print_json(await admin.read_model.list_stations())
