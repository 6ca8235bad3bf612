"""``csms token add|list``: id tokens (cards) and their status, expiry, group, owner."""

from __future__ import annotations

import argparse
from typing import Any

from csms.authorization.models import TokenStatus
from csms.cli.common import Admin, Subcommands, actions, admin_command, aware, print_json


def add_parser(commands: Subcommands) -> None:
    token = actions(commands, "token", "manage id tokens")
    add_token = token.add_parser("add", help="add or change an id token")
    add_token.add_argument("id_token")
    add_token.add_argument(
        "--status", default="Accepted", choices=["Accepted", "Blocked", "Expired"]
    )
    add_token.add_argument("--expires", help="expiry, ISO 8601 with offset")
    add_token.add_argument("--group", help="group id (1.6 parentIdTag, 2.0.1 groupIdToken)")
    add_token.add_argument("--operator", help="the operator whose member card this is")
    add_token.add_argument("--account", help="the member account the card belongs to")
    token.add_parser("list", help="list id tokens")


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    if args.action == "add":
        value = await admin.service.set_token(
            args.id_token,
            TokenStatus(args.status),
            expires_at=aware(args.expires),
            group_id=args.group,
            operator_id=args.operator,
            account_id=args.account,
        )
        print(f"token {value} {args.status}")
    else:
        print_json([_row(token) for token in await admin.read_model.list_tokens()])


def _row(token: Any) -> dict[str, Any]:
    if hasattr(token, "__dict__"):
        return dict(token.__dict__)
    return {name: getattr(token, name) for name in token.__slots__}
