"""``csms quote``: price a session with a tariff file, no database (the README's contract).

Prints one JSON object (money as strings of integer yen); exit 2 when no tariff version is
in force at the start, 1 on any other problem, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from csms.billing.pricer import NoTariffInForce, price_session, quote_as_dict
from csms.billing.tariff import TariffError
from csms.cli.common import Subcommands
from csms.storage.tariff_files import DEFAULT_DIR as TARIFFS_DIR
from csms.storage.tariff_files import load_tariffs


def add_parser(commands: Subcommands) -> None:
    quote = commands.add_parser("quote", help="price a session with a tariff (no database)")
    quote.add_argument("--tariff", required=True, help="tariff id (config/tariffs/ID.json)")
    quote.add_argument("--start", required=True, help="ISO 8601 with a UTC offset")
    quote.add_argument("--stop", required=True, help="ISO 8601 with a UTC offset")
    quote.add_argument("--energy-wh", required=True, help="delivered energy in Wh (decimal)")
    quote.add_argument("--tariffs-dir", type=Path, help="tariff folder (default: config/tariffs)")


def run(args: argparse.Namespace) -> int:
    """Print one JSON quote; exit 2 when no tariff version is in force at the start."""
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
    print(json.dumps(quote_as_dict(quote), ensure_ascii=False))
    return 0


def parse_timestamp_strict(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset, e.g. 2025-02-03T09:00:00+09:00")
    return parsed
