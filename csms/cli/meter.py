"""``csms meter add|key|import|list``: the register of billing meters (specified metering)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from csms.cli.common import Admin, Subcommands, actions, admin_command, print_json
from csms.settlement.models import MeterRecord
from csms.storage.tariff_files import DEFAULT_DIR as TARIFFS_DIR

DEFAULT_METERS = TARIFFS_DIR.parent / "meters.json"


def add_parser(commands: Subcommands) -> None:
    meter = actions(commands, "meter", "manage billing meters")
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


@admin_command
async def run(args: argparse.Namespace, admin: Admin) -> None:
    if args.action == "add":
        await admin.service.set_meter(_from_flags(args))
        print(f"meter {args.serial} saved")
    elif args.action == "key":
        await admin.service.set_meter_key(args.serial, args.public_key)
        print(f"meter {args.serial}: key registered")
    elif args.action == "import":
        path = args.file or DEFAULT_METERS
        meters = json.loads(path.read_text("utf-8"))["meters"]
        for item in meters:
            await admin.service.set_meter(_from_file(item))
        print(f"{len(meters)} meters imported from {path}")
    else:
        print_json([dataclasses.asdict(m) for m in await admin.read_model.list_meters()])


def _from_flags(args: argparse.Namespace) -> MeterRecord:
    return MeterRecord(
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


def _from_file(item: dict[str, Any]) -> MeterRecord:
    """One entry of a meters file (config/meters.json): the required keys, then the optional."""
    return MeterRecord(
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
