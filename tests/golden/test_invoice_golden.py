"""Golden monthly-invoice cases (seed 003 第6条, 第16条, 第19条; billing.md §3.5, §4): one
folder per rule under tests/golden/invoices/, each case expected by hand (its ``why``).

Each ``cases.json`` has the rule, optionally an inline ``plan`` (else chargeclub-standard
from config/plans), and cases of a contract in the ``csms invoice quote --contract`` shape,
a month, and the expected lines ``[kind, quantity, unit, unit_price, amount, tax_category]``
with totals, or an error. Every case runs through ``quote_invoice`` and through the CLI.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from csms.billing.invoice import (
    InvoiceInputError,
    MeterReadings,
    MonthlyContract,
    NoPriceForMonth,
    invoice_as_dict,
    quote_invoice,
)
from csms.billing.plans import Month, Plan, parse_plan
from csms.cli import main
from csms.storage.plan_files import DEFAULT_DIR, load_plans

FOLDER = Path(__file__).parent / "invoices"
SHIPPED = load_plans(DEFAULT_DIR)
ERRORS: dict[str, type[Exception]] = {
    "InvoiceInputError": InvoiceInputError,
    "NoPriceForMonth": NoPriceForMonth,
}
EXIT_CODES = {"InvoiceInputError": 1, "NoPriceForMonth": 2}


def _cases() -> list[Any]:
    rows = []
    for folder in sorted(p for p in FOLDER.iterdir() if p.is_dir()):
        spec = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
        inline = spec.get("plan")
        plan = parse_plan(inline, str(folder)) if inline else SHIPPED["chargeclub-standard"]
        for case in spec["cases"]:
            assert case["why"], case["name"]
            rows.append(pytest.param(plan, inline, case, id=f"{folder.name}/{case['name']}"))
    return rows


CASES = _cases()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _quote(plan: Plan, case: dict[str, Any]) -> dict[str, object]:
    raw = case["contract"]
    contract = MonthlyContract(
        contract_id=raw["contract_id"],
        plan_id=raw["plan"],
        start_date=date.fromisoformat(raw["start_date"]),
        terminated_on=_day(raw["terminated_on"]),
        handed_back_on=_day(raw["handed_back_on"]),
    )
    readings = raw["readings"]
    quote = quote_invoice(
        plan,
        contract,
        Month.parse(case["month"]),
        MeterReadings(Decimal(readings["opening_kwh"]), Decimal(readings["closing_kwh"])),
        raw["carried_over_yen"],
    )
    return invoice_as_dict(quote)


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The output without the descriptions, lines as lists (the cases' shape)."""
    keys = ("kind", "quantity", "unit", "unit_price", "amount", "tax_category")
    return {
        "lines": [[line[key] for key in keys] for line in result["lines"]],
        **{key: result[key] for key in ("total", "tax", "carried_over", "amount_due")},
    }


def test_there_are_at_least_30_golden_invoice_cases() -> None:
    """The acceptance floor for the golden set (issue 16)."""
    assert len(CASES) >= 30


@pytest.mark.parametrize(("plan", "inline", "case"), CASES)
def test_golden_invoice(plan: Plan, inline: Any, case: dict[str, Any]) -> None:
    """``quote_invoice`` reproduces the hand-computed invoice of each case to the yen."""
    if "error" in case:
        with pytest.raises(ERRORS[case["error"]]):
            _quote(plan, case)
        return
    assert _comparable(_quote(plan, case)) == case["expected"]


@pytest.mark.parametrize(("plan", "inline", "case"), CASES)
def test_golden_invoice_through_the_cli(
    plan: Plan,
    inline: Any,
    case: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``csms invoice quote`` prints the same invoice (or exits 1 / 2 with one line)."""
    contract_file = tmp_path / "contract.json"
    contract_file.write_text(json.dumps(case["contract"]), encoding="utf-8")
    plans_dir = DEFAULT_DIR
    if inline:
        plans_dir = tmp_path / "plans"
        plans_dir.mkdir()
        (plans_dir / f"{inline['id']}.json").write_text(json.dumps(inline), encoding="utf-8")
    args = ["--contract", str(contract_file), "--month", case["month"]]
    code = main(["invoice", "quote", *args, "--plans-dir", str(plans_dir)])
    out, err = capsys.readouterr()
    if "error" in case:
        assert (code, out) == (EXIT_CODES[case["error"]], "")
        assert err.startswith("csms: ")
        assert err.count("\n") == 1
        return
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert (result["contract_id"], result["month"], result["currency"]) == (
        case["contract"]["contract_id"],
        case["month"],
        "JPY",
    )
    assert all(line["description"] for line in result["lines"])
    assert _comparable(result) == case["expected"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["invoice", "quote", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_contract_with_the_default_plans_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README example: one JSON object, every field, the shipped plan found by default."""
    contract = {
        "contract_id": "CC-0001",
        "plan": "chargeclub-standard",
        "start_date": "2025-05-20",
        "terminated_on": None,
        "handed_back_on": None,
        "carried_over_yen": "0",
        "readings": {"opening_kwh": "1000.25", "closing_kwh": "1234.5"},
        "meter": {"maker": "エネゲート", "model": "EEM-W1N12", "serial": "A1", "year": "2024"},
    }
    path = tmp_path / "cc-0001.json"
    path.write_text(json.dumps(contract, ensure_ascii=False), encoding="utf-8")
    code, out, err = _run(capsys, "--contract", str(path), "--month", "2025-05")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert list(result) == [
        "contract_id", "month", "lines", "total", "tax", "carried_over", "amount_due", "currency"
    ]  # fmt: skip
    assert [list(line) for line in result["lines"]] == [
        ["kind", "description", "quantity", "unit", "unit_price", "amount", "tax_category"]
    ] * 3
    assert [line["amount"] for line in result["lines"]] == ["2200", "8198", "932"]
    assert result["tax"] == {"10%": {"taxable": "11330", "tax": "1030"}, "out_of_scope": "0"}
    assert (result["total"], result["carried_over"], result["amount_due"]) == (
        "11330",
        "0",
        "11330",
    )


@pytest.mark.parametrize(
    ("change", "month", "message"),
    [
        ({"customer": "x"}, "2025-05", "customer: unknown field"),
        ({"readings": {"opening_kwh": 1, "closing_kwh": "2"}}, "2025-05", "readings.opening_kwh"),
        ({"readings": {"opening_kwh": "1"}}, "2025-05", "readings.closing_kwh: is required"),
        ({"start_date": "2025/05/20"}, "2025-05", "start_date: must be a date"),
        ({"carried_over_yen": 0}, "2025-05", "carried_over_yen: must be a string"),
        ({"plan": "no-such-plan"}, "2025-05", "unknown plan 'no-such-plan'"),
        ({}, "2025-5", "--month: '2025-5' is not a month YYYY-MM"),
        ({}, "2025-04", "before the contract's start month"),
    ],
)
def test_bad_input_exits_1_with_one_line(
    change: dict[str, Any],
    month: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    contract = {
        "contract_id": "CC-1",
        "plan": "chargeclub-standard",
        "start_date": "2025-05-20",
        "readings": {"opening_kwh": "0", "closing_kwh": "1"},
        **change,
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(contract), encoding="utf-8")
    code, out, err = _run(capsys, "--contract", str(path), "--month", month)
    assert (code, out) == (1, "")
    assert message in err
    assert err.count("\n") == 1


def test_a_missing_contract_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--contract", str(tmp_path / "none.json"), "--month", "2025-05")
    assert code == 1
    assert "cannot be read" in err


PRICE = {"valid_from": "2024-05", "valid_to": None, "monthly_fee": "2200", "price_per_kwh": "35"}
PLAN = {"id": "p", "name": "n", "source": "s", "prices": [PRICE]}
RATE = {"valid_from": "2024-05", "valid_to": "2025-04", "rate_per_kwh": "3.49"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "1"}, "price: unknown field"),
        ({"prices": [{**PRICE, "monthly_fee": 2200}]}, "prices[0].monthly_fee"),
        ({"prices": [{**PRICE, "monthly_fee": "2200.5"}]}, "must be whole yen"),
        ({"prices": [{**PRICE, "valid_from": "2024-5"}]}, "prices[0].valid_from"),
        ({"prices": [PRICE, PRICE]}, "prices[1].valid_from: period"),
        (
            {"surcharges": [{"id": "r", "name": "r", "source": "s", "rates": [RATE, RATE]}]},
            "surcharges[0].rates[1].valid_from: period from 2024-05 overlaps",
        ),
        (
            {"surcharges": [{"id": "r", "name": "r", "source": "s", "rates": [{**RATE, "x": 1}]}]},
            "surcharges[0].rates[0].x: unknown field",
        ),
    ],
)
def test_plan_errors_name_the_file_and_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=r"plan\.json: ") as raised:
        parse_plan({**PLAN, **change}, "plan.json")
    assert field in str(raised.value)


def test_a_plan_file_must_be_named_after_its_id(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text(json.dumps(PLAN), encoding="utf-8")
    with pytest.raises(ValueError, match="must equal the file name 'other'"):
        load_plans(tmp_path)
