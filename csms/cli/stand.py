"""``csms stand add``: give an EVSE a public stand id (seed 000 SID)."""

from __future__ import annotations

import argparse

from csms.authorization.models import Stand
from csms.cli.common import Admin, Subcommands, actions, admin_command


def add_parser(commands: Subcommands) -> None:
    stand = actions(commands, "stand", "manage public stand ids (SID)")
    add_stand = stand.add_parser("add", help="give an EVSE a public stand id")
    add_stand.add_argument("stand_id")
    add_stand.add_argument("station_id")
    add_stand.add_argument("evse_id", type=int)
    add_stand.add_argument("--label")
    add_stand.add_argument(
        "--passwords", action="store_true", help="visitors get a one-time keypad password"
    )


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    await admin.service.add_stand(
        Stand(args.stand_id, args.station_id, args.evse_id, args.label, args.passwords)
    )
    print(f"stand {args.stand_id} is {args.station_id} EVSE {args.evse_id}")
