"""``csms invoice quote``: a contract's monthly invoice from the plan files, no database
(README "Monthly contracts"; rules in ``billing/invoice.py``, seed 003 第6条, 第16条, 第19条).

``--contract FILE.json``: ``{"contract_id", "plan", "start_date", "terminated_on" (or null),
"handed_back_on" (or null), "carried_over_yen" (string, "0" if none), "readings":
{"opening_kwh", "closing_kwh"} (decimal strings), "meter"?}``; dates ``YYYY-MM-DD`` (JST),
other fields refused. Prints one JSON object (money as strings of integer yen). Exit 1 with
one line on stderr on bad input, 2 when the plan has no price for the month.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from csms.billing.invoice import (
    MeterReadings,
    MonthlyContract,
    NoPriceForMonth,
    invoice_as_dict,
    quote_invoice,
)
from csms.billing.plans import Month, PlanError
from csms.cli.common import Subcommands
from csms.storage.plan_files import DEFAULT_DIR as PLANS_DIR
from csms.storage.plan_files import load_plans

_FIELDS: Final = frozenset(
    {
        "contract_id",
        "plan",
        "start_date",
        "terminated_on",
        "handed_back_on",
        "carried_over_yen",
        "readings",
        "meter",
    }
)
_READINGS: Final = frozenset({"opening_kwh", "closing_kwh"})
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL: Final = re.compile(r"\d+(\.\d+)?")
_YEN: Final = re.compile(r"\d+")


class ContractFileError(ValueError):
    """The contract file is not the documented shape; names the file and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}")


@dataclass(frozen=True, slots=True)
class ContractRequest:
    """What one contract file asks to quote."""

    contract: MonthlyContract
    readings: MeterReadings
    carried_over: Decimal


def add_parser(commands: Subcommands) -> None:
    invoice = commands.add_parser("invoice", help="monthly contract invoices (seed 003)")
    actions = invoice.add_subparsers(dest="action", required=True)
    quote = actions.add_parser("quote", help="a contract's invoice for one month, no database")
    quote.add_argument("--contract", type=Path, required=True, help="the contract as JSON")
    quote.add_argument("--month", required=True, help="the invoice's month, YYYY-MM (JST)")
    quote.add_argument("--plans-dir", type=Path, help="plan folder (default: config/plans)")


def run(args: argparse.Namespace) -> int:
    """Print one JSON invoice quote; exit 2 when the plan has no price for the month."""
    try:
        request = read_contract(args.contract)
        month = _month(args.month)
        plans = load_plans(args.plans_dir or PLANS_DIR)
        plan = plans.get(request.contract.plan_id)
        if plan is None:
            raise ValueError(f"unknown plan {request.contract.plan_id!r}; known: {sorted(plans)}")
        quote = quote_invoice(plan, request.contract, month, request.readings, request.carried_over)
    except NoPriceForMonth as exc:
        return _fail(exc, 2)
    except (PlanError, ValueError, TypeError, ArithmeticError) as exc:
        return _fail(exc, 1)
    print(json.dumps(invoice_as_dict(quote), ensure_ascii=False))
    return 0


def _fail(exc: Exception, code: int) -> int:
    message = " ".join(str(exc).split())
    print(f"csms: {message}", file=sys.stderr)
    return code


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise ValueError(f"--month: {exc}") from exc


def read_contract(path: Path) -> ContractRequest:
    """The contract file at ``path``, validated (:func:`parse_contract`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ContractFileError(
            str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractFileError(str(path), "(file)", f"cannot be read: {exc}") from exc
    return parse_contract(data, str(path))


def parse_contract(data: Any, source: str) -> ContractRequest:
    """A contract file's content (a dict from JSON) as the invoice's inputs."""
    fields = _object(data, source, "(top)", _FIELDS)
    meter = fields.get("meter")
    if meter is not None and not isinstance(meter, dict | str):
        raise ContractFileError(source, "meter", "must be an object, a string or null")
    readings = _object(_required(fields, source, "readings"), source, "readings", _READINGS)
    contract = MonthlyContract(
        contract_id=_text(fields, source, "contract_id"),
        plan_id=_text(fields, source, "plan"),
        start_date=_day(fields, source, "start_date"),
        terminated_on=_optional_day(fields, source, "terminated_on"),
        handed_back_on=_optional_day(fields, source, "handed_back_on"),
    )
    carried = fields.get("carried_over_yen", "0")
    if not isinstance(carried, str) or _YEN.fullmatch(carried) is None:
        raise ContractFileError(source, "carried_over_yen", 'must be a string of whole yen ("0")')
    return ContractRequest(
        contract,
        MeterReadings(
            _decimal(readings, source, "opening_kwh"),
            _decimal(readings, source, "closing_kwh"),
        ),
        Decimal(carried),
    )


def _object(data: Any, source: str, path: str, known: frozenset[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ContractFileError(source, path, "must be a JSON object")
    for key in data:
        if key not in known:
            prefix = "" if path == "(top)" else f"{path}."
            raise ContractFileError(
                source, f"{prefix}{key}", f"unknown field; expected one of {sorted(known)}"
            )
    return data


def _required(fields: dict[str, Any], source: str, key: str) -> Any:
    if key not in fields:
        raise ContractFileError(source, key, "is required")
    return fields[key]


def _text(fields: dict[str, Any], source: str, key: str) -> str:
    value = _required(fields, source, key)
    if not isinstance(value, str) or not value.strip():
        raise ContractFileError(source, key, "must be a non-empty string")
    return value


def _day(fields: dict[str, Any], source: str, key: str) -> date:
    value = _required(fields, source, key)
    try:
        if not isinstance(value, str) or _DAY.fullmatch(value) is None:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ContractFileError(source, key, "must be a date YYYY-MM-DD or null") from exc


def _optional_day(fields: dict[str, Any], source: str, key: str) -> date | None:
    return None if fields.get(key) is None else _day(fields, source, key)


def _decimal(readings: dict[str, Any], source: str, key: str) -> Decimal:
    if key not in readings:
        raise ContractFileError(source, f"readings.{key}", "is required")
    value = readings[key]
    if not isinstance(value, str) or _DECIMAL.fullmatch(value) is None:
        raise ContractFileError(
            source, f"readings.{key}", f'must be a decimal string like "1234.5", not {value!r}'
        )
    return Decimal(value)
