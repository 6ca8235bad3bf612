"""Load tariffs and their assignments from JSON files (``config/tariffs/``): the seed data
the central system imports into the database at start-up (``storage.tariff_seed.import_seed``),
and what ``csms quote`` prices with when it is given no database.

Every ``*.json`` file except ``assignments.json`` is one tariff; its file name must be its
id. Numbers are read as exact Decimals. Errors name the file and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Seed:
    """The files' tariffs and assignments (validated), and the sites they declare by name."""

    catalog: TariffCatalog
    sites: dict[str, str | None]


def load_seed(folder: Path, assignments: Path | None = None) -> Seed:
    """Tariffs plus the assignments file (default ``folder/assignments.json``)."""
    tariffs = load_tariffs(folder)
    path = assignments or folder / ASSIGNMENTS
    data = _read_json(path) if path.exists() else {}
    catalog = build_catalog(tariffs, data, str(path))
    sites = {
        name: site["name"] if isinstance(site, dict) and isinstance(site.get("name"), str) else None
        for name, site in (data.get("sites") or {}).items()
    }
    return Seed(catalog, sites)


def load_catalog(folder: Path, assignments: Path | None = None) -> TariffCatalog:
    """Tariffs plus the assignments file (default ``folder/assignments.json``)."""
    return load_seed(folder, assignments).catalog
