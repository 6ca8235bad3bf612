"""Load monthly plans from JSON files (``config/plans/``): what ``csms invoice quote``
prices with, no database.

Every ``*.json`` file in the folder is one plan (``billing.plans.parse_plan``); its file
name must be its id. Numbers are read as exact Decimals. Errors name the file and the field.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from csms.billing.plans import Plan, PlanError, parse_plan

DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "config" / "plans"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PlanError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(str(path), "(file)", f"cannot be read: {exc}") from exc


def load_plans(folder: Path) -> dict[str, Plan]:
    """Every plan in ``folder`` by id."""
    if not folder.is_dir():
        raise PlanError(str(folder), "(folder)", "plan folder does not exist")
    plans: dict[str, Plan] = {}
    for path in sorted(folder.glob("*.json")):
        plan = parse_plan(_read_json(path), str(path))
        if plan.plan_id != path.stem:
            raise PlanError(str(path), "id", f"must equal the file name {path.stem!r}")
        plans[plan.plan_id] = plan
    return plans
