"""What the CLI's nouns share: settings, logging, the database, error exits, JSON output.

Every command that needs the database reads the same settings (``CSMS_*`` environment over
an optional TOML file, flags over both); without a DSN the embedded PostgreSQL under
``CSMS_DATA_DIR`` is used, also while ``csms serve`` runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any, NamedTuple, TypeAlias

from pydantic import ValidationError

from csms.access.service import AccessService
from csms.administration.service import AdminService
from csms.bootstrap import open_database
from csms.clock import SystemClock
from csms.errors import CsmsError
from csms.observability import configure_logging
from csms.settings import Settings, load_settings
from csms.storage.embedded import EmbeddedPostgresError
from csms.storage.postgres import PostgresReadModel, PostgresUnitOfWorkProvider

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class Admin(NamedTuple):
    """The operator's tools on an open database: changes, the read model, API keys."""

    service: AdminService
    read_model: PostgresReadModel
    access: AccessService


AdminAction = Callable[[argparse.Namespace, Admin], Awaitable[None]]


def actions(commands: Subcommands, noun: str, help_text: str) -> Subcommands:
    """The noun's own subcommands (``csms NOUN ACTION``), stored in ``args.action``."""
    return commands.add_parser(noun, help=help_text).add_subparsers(dest="action", required=True)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        database_url=getattr(args, "serve_database_url", None) or args.database_url,
        data_dir=args.data_dir,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        api_host=getattr(args, "api_host", None),
        api_port=getattr(args, "api_port", None),
        public_host=getattr(args, "public_host", None),
        public_port=getattr(args, "public_port", None),
        nats_url=getattr(args, "nats_url", None),
        node_id=getattr(args, "node_id", None),
    )


def run_with_settings(
    args: argparse.Namespace,
    action: Callable[[Settings], Coroutine[Any, Any, int]],
    *,
    log_to_stderr: bool = False,
) -> int:
    """Load settings (exit 2 if invalid), set up logging, run ``action``; exit 1 on errors.

    Operator commands log to stderr, so that their stdout is only their answer (a key
    printed by ``csms api-key create`` can be read with ``$(...)``).
    """
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"csms: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(
        fmt=settings.log_format,
        level=settings.log_level,
        stream=sys.stderr if log_to_stderr else None,
    )
    try:
        return asyncio.run(action(settings))
    except (CsmsError, EmbeddedPostgresError, ValueError) as exc:
        print(f"csms: {exc}", file=sys.stderr)
        return 1


def run_admin(args: argparse.Namespace, action: AdminAction) -> int:
    """Run an operator change or listing on the database of the settings."""

    async def on_database(settings: Settings) -> int:
        async with open_database(settings) as database:
            uow = PostgresUnitOfWorkProvider(database.pool)
            tools = Admin(
                AdminService(uow),
                PostgresReadModel(database.pool),
                AccessService(uow, SystemClock()),
            )
            await action(args, tools)
        return 0

    return run_with_settings(args, on_database, log_to_stderr=True)


def admin_command(action: AdminAction) -> Callable[[argparse.Namespace], int]:
    """Make ``action`` a noun's ``run``: it runs on the database of the settings."""
    return functools.partial(run_admin, action=action)


def print_json(value: Any) -> None:
    print(json.dumps(value, default=str, indent=2, ensure_ascii=False))


def aware(value: str | None) -> datetime | None:
    """An ISO 8601 flag value that must carry a UTC offset."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise CsmsError("dates need a UTC offset, e.g. 2027-03-31T23:59:59+09:00")
    return moment
