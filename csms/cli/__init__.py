"""The operator CLI: ``csms serve``, ``csms station ...``, ``csms api-key ...``, ``csms quote``.

One module per noun; ``COMMANDS`` maps each noun to its ``add_parser`` and ``run``, in the
order ``csms --help`` lists them. Every command that needs the database reads the same
settings (``CSMS_*`` environment over an optional TOML file, flags over both).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from csms.cli import (
    account,
    api_key,
    contract,
    invoice,
    membership,
    meter,
    ocmf,
    operator,
    quote,
    serve,
    session,
    site,
    stand,
    station,
    tariff,
    token,
)
from csms.cli.common import Subcommands

__all__ = ["COMMANDS", "main"]


class Noun(NamedTuple):
    add_parser: Callable[[Subcommands], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: Final[dict[str, Noun]] = {
    "serve": Noun(serve.add_parser, serve.run),
    "station": Noun(station.add_parser, station.run),
    "session": Noun(session.add_parser, session.run),
    "site": Noun(site.add_parser, site.run),
    "api-key": Noun(api_key.add_parser, api_key.run),
    "operator": Noun(operator.add_parser, operator.run),
    "account": Noun(account.add_parser, account.run),
    "contract": Noun(contract.add_parser, contract.run),
    "membership": Noun(membership.add_parser, membership.run),
    "stand": Noun(stand.add_parser, stand.run),
    "token": Noun(token.add_parser, token.run),
    "meter": Noun(meter.add_parser, meter.run),
    "ocmf": Noun(ocmf.add_parser, ocmf.run),
    "tariff": Noun(tariff.add_parser, tariff.run),
    "quote": Noun(quote.add_parser, quote.run),
    "invoice": Noun(invoice.add_parser, invoice.run),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csms", description="OCPP 1.6J/2.0.1 central system")
    parser.add_argument("--database-url", help="PostgreSQL DSN (default: embedded server)")
    parser.add_argument("--data-dir", help="data folder of the embedded PostgreSQL")
    commands = parser.add_subparsers(dest="command", required=True)
    for noun in COMMANDS.values():
        noun.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command].run(args)
