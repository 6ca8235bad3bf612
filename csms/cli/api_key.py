"""``csms api-key create|list|revoke``: the operator API's keys (docs/security.md).

``create`` prints the secret once on stdout, one line and nothing else, so a script can
read it (``KEY=$(csms api-key create --name ci --role viewer)``); only its digest is kept.
"""

from __future__ import annotations

import argparse

from csms.access.models import Role
from csms.cli.common import Admin, Subcommands, actions, admin_command, print_json


def add_parser(commands: Subcommands) -> None:
    api_key = actions(commands, "api-key", "manage the operator API's keys")
    create = api_key.add_parser("create", help="create a key; prints its secret once")
    create.add_argument("--name", required=True, help="who or what uses it (unique)")
    create.add_argument("--role", required=True, choices=["admin", "operator", "viewer"])
    create.add_argument("--operator", help="the operator it acts within (operator, viewer)")
    api_key.add_parser("list", help="list keys (never their secrets)")
    revoke = api_key.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("name")


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    if args.action == "create":
        print(await admin.access.create_key(args.name, Role(args.role), args.operator))
    elif args.action == "revoke":
        await admin.access.revoke_key(args.name)
        print(f"key {args.name} revoked")
    else:
        print_json(
            [
                {
                    "name": key.name,
                    "role": key.role.value,
                    "operator_id": key.operator_id,
                    "created_at": key.created_at,
                    "revoked_at": key.revoked_at,
                }
                for key in await admin.access.keys()
            ]
        )
