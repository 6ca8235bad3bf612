"""The operator CLI: ``csms serve``, ``csms station ...``, ``csms token ...``.

Every command reads the same settings (``CSMS_*`` environment over an optional TOML file,
flags over both). Without a DSN the embedded PostgreSQL under ``CSMS_DATA_DIR`` is used,
also while ``csms serve`` runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from pydantic import ValidationError

from csms.administration.service import AdminService
from csms.authorization.models import AccountStatus, Stand, TokenStatus
from csms.billing.pricer import NoTariffInForce, price_session, quote_as_dict
from csms.billing.tariff import TariffError
from csms.bootstrap import CentralSystem, open_database
from csms.errors import CsmsError
from csms.meter.ocmf import OcmfFormatError, parse_ocmf
from csms.meter.verify import OcmfVerificationError, verify_signature
from csms.observability import configure_logging
from csms.settings import Settings, load_settings
from csms.settlement.models import MeterRecord
from csms.storage.embedded import EmbeddedPostgresError
from csms.storage.postgres import PostgresReadModel, PostgresUnitOfWorkProvider
from csms.storage.tariff_files import DEFAULT_DIR as TARIFFS_DIR
from csms.storage.tariff_files import load_tariffs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csms", description="OCPP 1.6J/2.0.1 central system")
    parser.add_argument("--database-url", help="PostgreSQL DSN (default: embedded server)")
    parser.add_argument("--data-dir", help="data folder of the embedded PostgreSQL")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the central system")
    serve.add_argument("--host", help="OCPP websocket address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="OCPP websocket port (default 9000)")
    serve.add_argument("--api-host", help="HTTP API address (default 127.0.0.1)")
    serve.add_argument("--api-port", type=int, help="HTTP API port (default 8080)")
    serve.add_argument("--database-url", dest="serve_database_url", help=argparse.SUPPRESS)
    serve.add_argument(
        "--demo", action="store_true", help="also register demo cards (see README quick start)"
    )

    station = commands.add_parser("station", help="manage stations").add_subparsers(
        dest="action", required=True
    )
    add_station = station.add_parser("add", help="register a station")
    add_station.add_argument("station_id")
    add_station.add_argument(
        "--password", help="HTTP Basic password / 1.6 AuthorizationKey, 16-40 bytes (hashed)"
    )
    add_station.add_argument(
        "--password-hex", action="store_true", help="the password is a hex AuthorizationKey"
    )
    add_station.add_argument(
        "--profile",
        type=int,
        choices=[0, 1, 2, 3],
        help="security profile: 0 none (development), 1 Basic, 2 TLS+Basic, 3 TLS client "
        "certificate (default: 1 with a password, else 0)",
    )
    station.add_parser("list", help="list stations")
    owner = station.add_parser("operator", help="set the operator that owns a station")
    owner.add_argument("station_id")
    owner.add_argument("operator_id")

    operator = commands.add_parser("operator", help="manage operators (CPOs)").add_subparsers(
        dest="action", required=True
    )
    add_operator = operator.add_parser("add", help="add or rename an operator")
    add_operator.add_argument("operator_id")
    add_operator.add_argument("name")

    account = commands.add_parser("account", help="manage member accounts").add_subparsers(
        dest="action", required=True
    )
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

    stand = commands.add_parser("stand", help="manage public stand ids (SID)").add_subparsers(
        dest="action", required=True
    )
    add_stand = stand.add_parser("add", help="give an EVSE a public stand id")
    add_stand.add_argument("stand_id")
    add_stand.add_argument("station_id")
    add_stand.add_argument("evse_id", type=int)
    add_stand.add_argument("--label")
    add_stand.add_argument(
        "--passwords", action="store_true", help="visitors get a one-time keypad password"
    )

    token = commands.add_parser("token", help="manage id tokens").add_subparsers(
        dest="action", required=True
    )
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

    meter = commands.add_parser("meter", help="manage billing meters").add_subparsers(
        dest="action", required=True
    )
    add_meter = meter.add_parser("add", help="register or change a billing meter")
    add_meter.add_argument("serial")
    add_meter.add_argument("--maker", required=True)
    add_meter.add_argument("--model", required=True)
    add_meter.add_argument("--year", type=int)
    add_meter.add_argument("--class", dest="accuracy_class", help="accuracy class, e.g. n3")
    add_meter.add_argument("--station", help="station it measures")
    add_meter.add_argument("--evse", type=int, help="EVSE (1.6 connector) it measures")
    add_meter.add_argument("--site")
    add_meter.add_argument("--public-key", help="DER SubjectPublicKeyInfo or raw point, hex")
    key = meter.add_parser("key", help="register a meter's public key")
    key.add_argument("serial")
    key.add_argument("public_key")
    load = meter.add_parser("import", help="register the meters of a JSON file")
    load.add_argument("file", type=Path, nargs="?", help="default: config/meters.json")
    meter.add_parser("list", help="list billing meters")

    ocmf = commands.add_parser("ocmf", help="signed meter data").add_subparsers(
        dest="action", required=True
    )
    verify = ocmf.add_parser(
        "verify", help="verify one OCMF record: exit 0 valid, 1 invalid, 2 unreadable"
    )
    verify.add_argument("file", nargs="?", default="-", help="a file, or - for stdin")
    verify.add_argument("--public-key", help="the meter's key (DER SPKI or raw point, hex)")

    quote = commands.add_parser("quote", help="price a session with a tariff (no database)")
    quote.add_argument("--tariff", required=True, help="tariff id (config/tariffs/ID.json)")
    quote.add_argument("--start", required=True, help="ISO 8601 with a UTC offset")
    quote.add_argument("--stop", required=True, help="ISO 8601 with a UTC offset")
    quote.add_argument("--energy-wh", required=True, help="delivered energy in Wh (decimal)")
    quote.add_argument("--tariffs-dir", type=Path, help="tariff folder (default: config/tariffs)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        database_url=getattr(args, "serve_database_url", None) or args.database_url,
        data_dir=args.data_dir,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        api_host=getattr(args, "api_host", None),
        api_port=getattr(args, "api_port", None),
    )


DEMO_CARDS = {
    "0123456789ABCDEF": TokenStatus.ACCEPTED,  # a FeliCa IDm, as the simulator's reader sends
    "DEMOMEMBER1": TokenStatus.ACCEPTED,
    "DEMOBLOCKED1": TokenStatus.BLOCKED,
}


DEMO_ASSIGNMENTS = TARIFFS_DIR.parent / "demo-assignments.json"


async def _serve(settings: Settings, *, demo: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if demo and settings.tariff_assignments is None:
        settings = settings.model_copy(update={"tariff_assignments": DEMO_ASSIGNMENTS})
    async with CentralSystem(settings) as system:
        if demo:
            assert system.admin is not None
            for card, status in DEMO_CARDS.items():
                await system.admin.set_token(card, status)
            structlog.get_logger("csms.demo").info(
                "demo_ready",
                ocpp_url=f"ws://{settings.host}:{system.ocpp_port}/ocpp/{{station_id}}",
                api_url=f"http://{settings.api_host}:{system.api_port}/api/sessions",
                cards=list(DEMO_CARDS),
                priced_stations=[
                    "DEMO-AC-00000",
                    "DEMO-DC50-00000",
                    "DEMO-DC90-00000",
                    "DEMO-OASIS-00000",
                    "DEMO-EOC-00000",
                ],
            )
        await stop.wait()


def _print_json(value: Any) -> None:
    print(json.dumps(value, default=str, indent=2, ensure_ascii=False))


async def _admin(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as database:
        admin = AdminService(PostgresUnitOfWorkProvider(database.pool))
        read_model = PostgresReadModel(database.pool)
        if args.command == "meter":
            await _meter(args, admin, read_model)
        elif args.command == "operator":
            await admin.add_operator(args.operator_id, args.name)
            print(f"operator {args.operator_id} saved")
        elif args.command == "station" and args.action == "operator":
            await admin.assign_station(args.station_id, args.operator_id)
            print(f"station {args.station_id} belongs to {args.operator_id}")
        elif args.command == "account":
            token = await admin.set_account(
                args.account_id,
                args.operator,
                args.name,
                email=args.email,
                status=AccountStatus(args.status),
                expires_at=_aware(args.expires),
                group_id=args.group,
            )
            print(f"account {args.account_id} saved; app token {token}")
        elif args.command == "stand":
            await admin.add_stand(
                Stand(args.stand_id, args.station_id, args.evse_id, args.label, args.passwords)
            )
            print(f"stand {args.stand_id} is {args.station_id} EVSE {args.evse_id}")
        elif args.command == "station" and args.action == "add":
            added = await admin.add_station(
                args.station_id, args.password, profile=args.profile, hex_key=args.password_hex
            )
            print(f"station {args.station_id} {'added' if added else 'updated'}")
        elif args.command == "station":
            _print_json(await read_model.list_stations())
        elif args.command == "token" and args.action == "add":
            value = await admin.set_token(
                args.id_token,
                TokenStatus(args.status),
                expires_at=_aware(args.expires),
                group_id=args.group,
                operator_id=args.operator,
                account_id=args.account,
            )
            print(f"token {value} {args.status}")
        else:
            _print_json(
                [
                    t.__dict__ if hasattr(t, "__dict__") else _token_row(t)
                    for t in await read_model.list_tokens()
                ]
            )
    return 0


async def _meter(
    args: argparse.Namespace, admin: AdminService, read_model: PostgresReadModel
) -> None:
    if args.action == "add":
        await admin.set_meter(
            MeterRecord(
                args.serial,
                args.maker,
                args.model,
                args.year,
                args.accuracy_class,
                args.public_key,
                args.station,
                args.evse,
                args.site,
            )
        )
        print(f"meter {args.serial} saved")
    elif args.action == "key":
        await admin.set_meter_key(args.serial, args.public_key)
        print(f"meter {args.serial}: key registered")
    elif args.action == "import":
        path = args.file or TARIFFS_DIR.parent / "meters.json"
        meters = json.loads(path.read_text("utf-8"))["meters"]
        for item in meters:
            await admin.set_meter(
                MeterRecord(
                    item["serial"],
                    item["maker"],
                    item["model"],
                    item.get("year"),
                    item.get("accuracy_class"),
                    item.get("public_key"),
                    item.get("station_id"),
                    item.get("evse_id"),
                    item.get("site"),
                    item.get("location_note"),
                    item.get("signs_ocmf", True),
                )
            )
        print(f"{len(meters)} meters imported from {path}")
    else:
        _print_json([dataclasses.asdict(m) for m in await read_model.list_meters()])


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise CsmsError("dates need a UTC offset, e.g. 2027-03-31T23:59:59+09:00")
    return moment


def _token_row(token: Any) -> dict[str, Any]:
    return {name: getattr(token, name) for name in token.__slots__}


def _quote(args: argparse.Namespace) -> int:
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


def _ocmf_verify(args: argparse.Namespace) -> int:
    """``csms ocmf verify``: a customer's or operator's independent check of one record."""
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        record = parse_ocmf(text)
    except (OSError, UnicodeDecodeError, OcmfFormatError) as exc:
        print(f"unreadable: {exc}", file=sys.stderr)
        return 2
    key = args.public_key or _key_in_wrapper(text)
    if not key:
        print("unreadable: no public key (give --public-key)", file=sys.stderr)
        return 2
    try:
        verify_signature(record, key)
    except OcmfVerificationError as exc:
        print(f"invalid: {exc}")
        return 1
    readings = ", ".join(
        f"{r.transaction or '-'} {r.value} {r.unit}"
        for r in record.energy_readings("B") + record.energy_readings("E")
    )
    print(
        f"valid: meter {record.meter_serial or 'unnamed'} ({record.signature_algorithm}); "
        f"{readings}"
    )
    return 0


def _key_in_wrapper(text: str) -> str | None:
    try:
        wrapper = json.loads(text)
    except ValueError:
        return None
    key = wrapper.get("publicKey") if isinstance(wrapper, dict) else None
    return key if isinstance(key, str) else None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "quote":
        return _quote(args)
    if args.command == "ocmf":
        return _ocmf_verify(args)
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"csms: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    try:
        if args.command == "serve":
            asyncio.run(_serve(settings, demo=args.demo))
            return 0
        return asyncio.run(_admin(args, settings))
    except (CsmsError, EmbeddedPostgresError, ValueError) as exc:
        print(f"csms: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
