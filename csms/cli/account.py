"""``csms account add``: add or change a member account; prints its app token."""

from __future__ import annotations

import argparse

from csms.authorization.models import AccountStatus
from csms.cli.common import Admin, Subcommands, actions, admin_command, aware


def add_parser(commands: Subcommands) -> None:
    account = actions(commands, "account", "manage member accounts")
    add_account = account.add_parser("add", help="add or change a member account")
    add_account.add_argument("account_id", help="also the app token (1-20 characters)")
    add_account.add_argument("--operator", required=True)
    add_account.add_argument("--name", required=True)
    add_account.add_argument("--email")
    add_account.add_argument(
        "--status", default="valid", choices=["valid", "blocked", "expired", "deactivated"]
    )
    add_account.add_argument("--expires", help="expiry, ISO 8601 with offset")
    add_account.add_argument("--group", help="group id (memberships, special prices)")


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    token = await admin.service.set_account(
        args.account_id,
        args.operator,
        args.name,
        email=args.email,
        status=AccountStatus(args.status),
        expires_at=aware(args.expires),
        group_id=args.group,
    )
    print(f"account {args.account_id} saved; app token {token}")
