"""Load tariffs and their assignments from JSON files (``config/tariffs/``).

Every ``*.json`` file except ``assignments.json`` is one tariff; its file name must be its
id. Numbers are read as exact Decimals. Errors name the file and the field.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from csms.billing.tariff import Tariff, TariffError, parse_tariff
from csms.settlement.tariffs import TariffCatalog, build_catalog

ASSIGNMENTS: Final = "assignments.json"
DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "config" / "tariffs"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise TariffError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from exc
    except OSError as exc:
        raise TariffError(str(path), "(file)", f"cannot be read: {exc.strerror}") from exc


def load_tariffs(folder: Path) -> dict[str, Tariff]:
    """Every tariff in ``folder`` by id."""
    if not folder.is_dir():
        raise TariffError(str(folder), "(folder)", "tariff folder does not exist")
    tariffs: dict[str, Tariff] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == ASSIGNMENTS:
            continue
        tariff = parse_tariff(_read_json(path), str(path))
        if tariff.tariff_id != path.stem:
            raise TariffError(str(path), "id", f"must equal the file name {path.stem!r}")
        tariffs[tariff.tariff_id] = tariff
    return tariffs


def load_catalog(folder: Path, assignments: Path | None = None) -> TariffCatalog:
    """Tariffs plus the assignments file (default ``folder/assignments.json``)."""
    tariffs = load_tariffs(folder)
    path = assignments or folder / ASSIGNMENTS
    data = _read_json(path) if path.exists() else {}
    return build_catalog(tariffs, data, str(path))
