"""``csms quote``: price a session (the README's contract).

With ``--tariff`` alone it prices from the tariff files (``--tariffs-dir``, default
config/tariffs), no database. With ``--stored`` or the global ``--database-url`` it reads
the stored tariffs, the same data the server and ``POST /api/quote`` price with; there
``--station ID [--evse N]`` prices with what is assigned to that station. Prints one JSON
object (money as strings of integer yen); exit 2 when no tariff version is in force at the
start, 1 on any other problem, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from csms.billing.pricer import NoTariffInForce, Quote, price_session, quote_as_dict
from csms.billing.tariff import TariffError
from csms.cli.common import Subcommands
from csms.cli.tariff import run_on_book
from csms.settlement.tariff_admin import TariffBook
from csms.storage.tariff_files import DEFAULT_DIR as TARIFFS_DIR
from csms.storage.tariff_files import load_tariffs


def add_parser(commands: Subcommands) -> None:
    quote = commands.add_parser("quote", help="price a session with a tariff")
    quote.add_argument("--tariff", help="tariff id (config/tariffs/ID.json, or stored)")
    quote.add_argument("--station", help="with the stored tariffs: the station's assigned one")
    quote.add_argument("--evse", type=int, help="the station's EVSE (1.6 connector)")
    quote.add_argument("--start", required=True, help="ISO 8601 with a UTC offset")
    quote.add_argument("--stop", required=True, help="ISO 8601 with a UTC offset")
    quote.add_argument("--energy-wh", required=True, help="delivered energy in Wh (decimal)")
    quote.add_argument("--tariffs-dir", type=Path, help="tariff folder (default: config/tariffs)")
    quote.add_argument("--stored", action="store_true", help="price with the stored tariffs")


def run(args: argparse.Namespace) -> int:
    """Print one JSON quote; exit 2 when no tariff version is in force at the start."""
    if args.stored or args.database_url or args.station:
        return _run_stored(args)
    if args.tariff is None:
        print("csms: --tariff is required (or --station with the stored tariffs)", file=sys.stderr)
        return 1
    try:
        start = parse_timestamp_strict(args.start)
        stop = parse_timestamp_strict(args.stop)
        tariffs = load_tariffs(args.tariffs_dir or TARIFFS_DIR)
        tariff = tariffs.get(args.tariff)
        if tariff is None:
            print(
                f"csms: unknown tariff {args.tariff!r}; known: {sorted(tariffs)}", file=sys.stderr
            )
            return 1
        quote = price_session(tariff, start, stop, args.energy_wh)
    except NoTariffInForce as exc:
        print(f"csms: {exc}", file=sys.stderr)
        return 2
    except (TariffError, ValueError, TypeError, ArithmeticError) as exc:
        print(f"csms: {exc}", file=sys.stderr)
        return 1
    _print(quote)
    return 0


def _run_stored(args: argparse.Namespace) -> int:
    not_in_force: list[str] = []

    async def price(args: argparse.Namespace, book: TariffBook) -> None:
        times = (parse_timestamp_strict(args.start), parse_timestamp_strict(args.stop))
        where = (args.station, args.evse) if args.station else None
        try:
            _print(await book.quote(args.tariff, where, times, Decimal(args.energy_wh)))
        except NoTariffInForce as exc:
            not_in_force.append(str(exc))
        except ArithmeticError as exc:
            raise ValueError(f"energy_wh: {exc!r}") from exc

    code = run_on_book(args, price)
    if not_in_force:
        print(f"csms: {not_in_force[0]}", file=sys.stderr)
        return 2
    return code


def _print(quote: Quote) -> None:
    print(json.dumps(quote_as_dict(quote), ensure_ascii=False))


def parse_timestamp_strict(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset, e.g. 2025-02-03T09:00:00+09:00")
    return parsed
