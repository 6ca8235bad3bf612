"""``csms tariff list|show|import|assign``: the stored tariffs (config/tariffs/README.md).

``import`` saves tariff documents (files or folders of ``*.json``) as ``POST /api/tariffs``
does: new versions added, a changed version a statement used refused. ``assign`` sets what
prices a station, an EVSE, a site or a charger class (``none`` clears); a running server
sees the change within ``tariff_refresh_s``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from csms.bootstrap import open_database
from csms.cli.common import Subcommands, actions, print_json, run_with_settings
from csms.errors import CsmsError
from csms.settings import Settings
from csms.settlement.tariff_admin import StoredTariff, TariffBook
from csms.settlement.tariff_documents import tariff_document
from csms.settlement.tariffs import CLASSES, TariffCatalog
from csms.storage.tariff_files import ASSIGNMENTS
from csms.storage.tariffs import PostgresTariffStore

BookAction = Callable[[argparse.Namespace, TariffBook], Awaitable[None]]


def add_parser(commands: Subcommands) -> None:
    tariff = actions(commands, "tariff", "manage stored tariffs and their assignments")
    tariff.add_parser("list", help="list stored tariffs and their versions")
    show = tariff.add_parser("show", help="one tariff as a document")
    show.add_argument("tariff_id")
    load = tariff.add_parser("import", help="save tariff files (new versions are added)")
    load.add_argument("paths", type=Path, nargs="+", help="tariff JSON files or folders")
    assign = tariff.add_parser("assign", help="what prices a station, EVSE, site or class")
    assign.add_argument("tariff_id", help="a stored tariff id, or 'none' to clear")
    assign.add_argument("--station", help="the station (with --evse: one EVSE)")
    assign.add_argument("--evse", type=int, help="the station's EVSE (1.6 connector)")
    assign.add_argument("--site", help="the site; with --station: the station's site")
    assign.add_argument("--class", dest="charger_class", choices=CLASSES, help="charger class")


def run(args: argparse.Namespace) -> int:
    return run_on_book(args, _ACTIONS[args.action])


def run_on_book(args: argparse.Namespace, action: BookAction) -> int:
    """Run ``action`` with the stored tariffs of the settings' database."""

    async def on_database(settings: Settings) -> int:
        async with open_database(settings) as database:
            book = TariffBook(PostgresTariffStore(database.pool), TariffCatalog({}, {}, {}, {}))
            await book.refresh()
            await action(args, book)
        return 0

    return run_with_settings(args, on_database, log_to_stderr=True)


def _listed(stored: StoredTariff) -> dict[str, Any]:
    document = tariff_document(stored.tariff)
    for version in document["versions"]:
        version["used_by_statements"] = version["version"] in stored.used_versions
    return document


async def _list(args: argparse.Namespace, book: TariffBook) -> None:
    print_json([_listed(stored) for stored in await book.tariffs()])


async def _show(args: argparse.Namespace, book: TariffBook) -> None:
    print_json(_listed(await book.tariff(args.tariff_id)))


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in sorted(path.glob("*.json")) if p.name != ASSIGNMENTS]
        else:
            found.append(path)
    return found


async def _import(args: argparse.Namespace, book: TariffBook) -> None:
    for path in _files(args.paths):
        try:
            document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
            saved = await book.save(document)
        except (OSError, ValueError, CsmsError) as exc:
            raise CsmsError(f"{path}: {exc}") from exc
        print(
            f"{path}: {saved.tariff_id}: created {list(saved.created)}, "
            f"replaced {list(saved.replaced)}, closed {list(saved.closed)}, "
            f"unchanged {list(saved.unchanged)}"
        )


async def _assign(args: argparse.Namespace, book: TariffBook) -> None:
    tariff_id = None if args.tariff_id == "none" else args.tariff_id
    if args.station is not None and args.evse is not None:
        applies = await book.assign_evse(args.station, args.evse, tariff_id)
    elif args.station is not None:
        applies = await book.assign_station(args.station, tariff_id, args.site, args.charger_class)
    elif args.site is not None:
        await book.assign_site(args.site, tariff_id, None)
        applies = None
    elif args.charger_class is not None:
        await book.assign_class(args.charger_class, tariff_id)
        applies = None
    else:
        raise CsmsError("name what to assign: --station [--evse], --site or --class")
    print_json({"assigned": tariff_id, "applies": applies.__dict__ if applies else None})


_ACTIONS: dict[str, BookAction] = {
    "list": _list,
    "show": _show,
    "import": _import,
    "assign": _assign,
}
