"""``csms ocmf verify``: a customer's or operator's independent check of one OCMF record.

Exit 0 valid, 1 invalid (the signature does not match the key), 2 unreadable (no record,
no key). The key comes from ``--public-key`` or the record's JSON wrapper (``publicKey``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from csms.cli.common import Subcommands, actions
from csms.meter.ocmf import OcmfFormatError, parse_ocmf
from csms.meter.verify import OcmfVerificationError, verify_signature


def add_parser(commands: Subcommands) -> None:
    ocmf = actions(commands, "ocmf", "signed meter data")
    verify = ocmf.add_parser(
        "verify", help="verify one OCMF record: exit 0 valid, 1 invalid, 2 unreadable"
    )
    verify.add_argument("file", nargs="?", default="-", help="a file, or - for stdin")
    verify.add_argument("--public-key", help="the meter's key (DER SPKI or raw point, hex)")


def run(args: argparse.Namespace) -> int:
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
