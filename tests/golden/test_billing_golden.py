"""Golden billing cases: one folder per rule under tests/golden/billing/, expected by hand.

Each folder has ``cases.json`` (the rule, the tariff id or an inline ``tariff.json``, and
rows of start, stop, energy and the expected lines, total and included tax, or an error).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from csms.billing.pricer import NoTariffInForce, price_session, quote_as_dict
from csms.billing.tariff import Tariff, parse_tariff
from csms.storage.tariff_files import DEFAULT_DIR, load_tariffs

FOLDER = Path(__file__).parent / "billing"
SHIPPED = load_tariffs(DEFAULT_DIR)
ERRORS = {"NoTariffInForce": NoTariffInForce, "ValueError": ValueError}


def _cases() -> list[Any]:
    rows = []
    for folder in sorted(p for p in FOLDER.iterdir() if p.is_dir()):
        spec = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
        inline = folder / "tariff.json"
        tariff: Tariff | None = None
        if inline.exists():
            tariff = parse_tariff(json.loads(inline.read_text(encoding="utf-8")), str(inline))
        for case in spec["cases"]:
            chosen = tariff or SHIPPED[case.get("tariff_id") or spec["tariff_id"]]
            rows.append(pytest.param(chosen, case, id=f"{folder.name}/{case['name']}"))
    return rows


CASES = _cases()


def test_there_are_at_least_40_golden_cases() -> None:
    """The acceptance floor for the golden set."""
    assert len(CASES) >= 40


@pytest.mark.parametrize(("tariff", "case"), CASES)
def test_golden_case(tariff: Tariff, case: dict[str, Any]) -> None:
    """The engine reproduces the hand-computed statement of each case to the yen."""
    start = datetime.fromisoformat(case["start"])
    stop = datetime.fromisoformat(case["stop"])
    if "error" in case:
        with pytest.raises(ERRORS[case["error"]]):
            price_session(tariff, start, stop, Decimal(case["energy_wh"]))
        return
    quote = quote_as_dict(price_session(tariff, start, stop, case["energy_wh"]))
    expected = case["expected"]
    assert quote["tariff_version"] == expected["tariff_version"]
    assert [list(line.values())[:5] for line in quote["lines"]] == expected["lines"]
    assert quote["total"] == expected["total"]
    assert quote["tax_included"] == expected["tax_included"]
    assert ("waiver" in quote) is expected["waiver"]
