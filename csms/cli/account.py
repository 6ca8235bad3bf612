"""``csms account add``: add or change a member account; a new one's app token is printed once.

``csms account app-token ACCOUNT_ID`` issues a new app token (the old one stops working).
"""

from __future__ import annotations

import argparse

from csms.authorization.models import AccountStatus
from csms.cli.common import Admin, Subcommands, actions, admin_command, aware


def add_parser(commands: Subcommands) -> None:
    account = actions(commands, "account", "manage member accounts")
    add_account = account.add_parser("add", help="add or change a member account")
    add_account.add_argument("account_id", help="1-64 characters; never a credential")
    add_account.add_argument("--operator", required=True)
    add_account.add_argument("--name", required=True)
    add_account.add_argument("--email")
    add_account.add_argument(
        "--status", default="valid", choices=["valid", "blocked", "expired", "deactivated"]
    )
    add_account.add_argument("--expires", help="expiry, ISO 8601 with offset")
    add_account.add_argument("--group", help="group id (memberships, special prices)")
    rotate = account.add_parser("app-token", help="issue a new app token for an account")
    rotate.add_argument("account_id")


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    if args.action == "app-token":
        print(await admin.access.issue_app_token(args.account_id))
        return
    created = await admin.service.set_account(
        args.account_id,
        args.operator,
        args.name,
        email=args.email,
        status=AccountStatus(args.status),
        expires_at=aware(args.expires),
        group_id=args.group,
    )
    if not created:
        print(f"account {args.account_id} updated (its app token is unchanged)")
        return
    token = await admin.access.issue_app_token(args.account_id)
    print(f"account {args.account_id} added; app token (shown once): {token}")
