"""``csms membership add|member|list|show``: special prices for chosen member accounts (seed
002 第13条; config/tariffs/README.md, "Memberships"), on the database as an admin.

``add ID --name NAME [--operator OP] [--tariff T] [--station S=T ...] [--site X=T ...]``
adds a membership or changes it as ``POST /api/memberships`` does: its station and site
tariffs are replaced by the ones given, members are kept; ``--operator`` may be left out
when the membership exists. ``member ID ACCOUNT --add|--remove`` adds or removes a member.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from csms.administration.memberships import MembershipService
from csms.administration.ports import Membership
from csms.bootstrap import open_database
from csms.cli.common import Subcommands, actions, print_json, run_with_settings
from csms.errors import CsmsError, NotFound
from csms.settings import Settings
from csms.storage.postgres import PostgresUnitOfWorkProvider

MembershipAction = Callable[[argparse.Namespace, MembershipService], Awaitable[None]]


def add_parser(commands: Subcommands) -> None:
    membership = actions(commands, "membership", "special prices for chosen member accounts")
    add = membership.add_parser("add", help="add or change a membership")
    add.add_argument("membership_id", help="[A-Za-z0-9._-], at most 48 characters")
    add.add_argument("--name", required=True)
    add.add_argument("--operator", help="its operator (required for a new membership)")
    add.add_argument("--tariff", help="default tariff at every station of the operator")
    add.add_argument(
        "--station", action="append", default=[], metavar="S=T", help="tariff T at station S"
    )
    add.add_argument(
        "--site", action="append", default=[], metavar="X=T", help="tariff T at site X"
    )
    member = membership.add_parser("member", help="add or remove a member account")
    member.add_argument("membership_id")
    member.add_argument("account_id")
    change = member.add_mutually_exclusive_group(required=True)
    change.add_argument("--add", action="store_true")
    change.add_argument("--remove", action="store_true")
    listed = membership.add_parser("list", help="memberships with their tariffs and members")
    listed.add_argument("--operator", help="only this operator's")
    show = membership.add_parser("show", help="one membership")
    show.add_argument("membership_id")


def run(args: argparse.Namespace) -> int:
    action = _ACTIONS[args.action]

    async def on_database(settings: Settings) -> int:
        async with open_database(settings) as database:
            await action(args, MembershipService(PostgresUnitOfWorkProvider(database.pool)))
        return 0

    return run_with_settings(args, on_database, log_to_stderr=True)


def pairs(values: list[str], flag: str) -> dict[str, str]:
    """``["S=T", ...]`` as ``{"S": "T"}``; CsmsError naming the flag for a bad one."""
    found: dict[str, str] = {}
    for value in values:
        key, equals, tariff_id = value.partition("=")
        if not equals or not key or not tariff_id:
            raise CsmsError(f"{flag} {value!r}: expected NAME=TARIFF_ID")
        found[key] = tariff_id
    return found


def _shown(membership: Membership) -> dict[str, Any]:
    return {
        "membership_id": membership.membership_id,
        "operator_id": membership.operator_id,
        "name": membership.name,
        "tariff_id": membership.tariff_id,
        "stations": dict(membership.stations),
        "sites": dict(membership.sites),
        "members": list(membership.members),
    }


async def _add(args: argparse.Namespace, service: MembershipService) -> None:
    operator_id = args.operator
    if operator_id is None:
        try:
            operator_id = (await service.get(args.membership_id)).operator_id
        except NotFound:
            raise CsmsError("a new membership needs --operator") from None
    membership = Membership(
        membership_id=args.membership_id,
        operator_id=operator_id,
        name=args.name,
        tariff_id=args.tariff,
        stations=pairs(args.station, "--station"),
        sites=pairs(args.site, "--site"),
    )
    created = await service.save(membership)
    print(f"membership {args.membership_id} {'added' if created else 'changed'}")


async def _member(args: argparse.Namespace, service: MembershipService) -> None:
    if args.add:
        added = await service.add_member(args.membership_id, args.account_id)
        print(
            f"{args.account_id} {'added to' if added else 'is already a member of'} "
            f"{args.membership_id}"
        )
        return
    await service.remove_member(args.membership_id, args.account_id)
    print(f"{args.account_id} removed from {args.membership_id}")


async def _list(args: argparse.Namespace, service: MembershipService) -> None:
    print_json([_shown(m) for m in await service.list_memberships(operator_id=args.operator)])


async def _show(args: argparse.Namespace, service: MembershipService) -> None:
    print_json(_shown(await service.get(args.membership_id)))


_ACTIONS: dict[str, MembershipAction] = {
    "add": _add,
    "member": _member,
    "list": _list,
    "show": _show,
}
