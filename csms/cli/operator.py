"""``csms operator add``: add or rename an operator (a CPO)."""

from __future__ import annotations

import argparse

from csms.cli.common import Admin, Subcommands, actions, admin_command


def add_parser(commands: Subcommands) -> None:
    operator = actions(commands, "operator", "manage operators (CPOs)")
    add_operator = operator.add_parser("add", help="add or rename an operator")
    add_operator.add_argument("operator_id")
    add_operator.add_argument("name")


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    await admin.service.add_operator(args.operator_id, args.name)
    print(f"operator {args.operator_id} saved")
