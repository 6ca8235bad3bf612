"""Tariffs as documents: the JSON shape of ``config/tariffs/*.json``, read from an API body or
a stored row and written back, with the limits a stored tariff keeps.

The shape is the file's (config/tariffs/README.md); ``parse_document`` adds what a file need
not say but stored data must: an id of ``[A-Za-z0-9._-]``, at most 48 characters; texts
without NUL; the currency JPY (the engine rounds to the yen); prices and quantities of at
most 10,000,000 with at most 6 decimals; at most 100 versions of at most 20 components.
Every problem is an ``InvalidInput`` naming the field.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import Any, Final

from csms.billing.tariff import Tariff, TariffError, TariffVersion, parse_tariff
from csms.errors import InvalidInput

TARIFF_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,48}")
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")
MAX_NUMBER: Final = Decimal(10_000_000)
MAX_DECIMALS: Final = 6
MAX_VERSIONS: Final = 100
MAX_COMPONENTS: Final = 20
_TEXT_LIMITS: Final = {"name": 200, "source": 1000, "version": 48}


def version_document(version: TariffVersion) -> dict[str, Any]:
    """One version as the file writes it (numbers as exact strings)."""
    return {
        "version": version.version,
        "valid_from": version.valid_from.isoformat() if version.valid_from else None,
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "components": [_component_document(part) for part in version.components],
    }


def _component_document(part: object) -> dict[str, Any]:
    values = dataclasses.asdict(part)  # type: ignore[call-overload]
    kind = values.pop("kind")
    return {"type": kind, **{k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}}


def tariff_document(tariff: Tariff) -> dict[str, Any]:
    """A tariff as its file would hold it; ``parse_document`` reads it back unchanged."""
    return {
        "id": tariff.tariff_id,
        "name": tariff.name,
        "source": tariff.source,
        "currency": tariff.currency,
        "tax_rate_percent": str(tariff.tax_rate_percent),
        "example": tariff.example,
        "versions": [version_document(version) for version in tariff.versions],
    }


def parse_document(data: Any, source: str = "body") -> Tariff:
    """A tariff document validated as a file is, plus the stored limits.

    Raises:
        InvalidInput: ``FIELD: what is wrong`` (e.g. ``versions[0].valid_to: is before ...``).
    """
    _check_texts(data)
    try:
        tariff = parse_tariff(data, source)
    except TariffError as exc:
        raise InvalidInput(f"{exc.field}: {str(exc).split(': ', 2)[-1]}") from None
    if not TARIFF_ID.fullmatch(tariff.tariff_id):
        raise InvalidInput("id: must be 1 to 48 of A-Z a-z 0-9 . _ -")
    if tariff.currency != "JPY":
        raise InvalidInput("currency: must be JPY")
    if tariff.tax_rate_percent > 100:
        raise InvalidInput("tax_rate_percent: must be at most 100")
    _check_numbers(tariff)
    return tariff


def _check_texts(data: Any) -> None:
    if not isinstance(data, dict):
        return
    versions = data.get("versions")
    if isinstance(versions, list) and len(versions) > MAX_VERSIONS:
        raise InvalidInput(f"versions: at most {MAX_VERSIONS}")
    named = [(key, data.get(key)) for key in ("id", "name", "source", "currency", "note")]
    for index, version in enumerate(versions if isinstance(versions, list) else []):
        if isinstance(version, dict):
            named.append((f"versions[{index}].version", version.get("version")))
            parts = version.get("components")
            if isinstance(parts, list) and len(parts) > MAX_COMPONENTS:
                raise InvalidInput(f"versions[{index}].components: at most {MAX_COMPONENTS}")
    for field, value in named:
        if not isinstance(value, str):
            continue
        limit = _TEXT_LIMITS.get(field.rsplit(".", 1)[-1], 1000)
        if len(value) > limit:
            raise InvalidInput(f"{field}: must be at most {limit} characters")
        if _UNSTORABLE.search(value):
            raise InvalidInput(f"{field}: must not contain NUL or lone surrogate characters")


def _check_numbers(tariff: Tariff) -> None:
    for index, version in enumerate(tariff.versions):
        for position, part in enumerate(version.components):
            for name, value in dataclasses.asdict(part).items():
                if not isinstance(value, Decimal | int) or isinstance(value, bool):
                    continue
                number = Decimal(value)
                exponent = number.as_tuple().exponent
                if number > MAX_NUMBER or (isinstance(exponent, int) and exponent < -MAX_DECIMALS):
                    raise InvalidInput(
                        f"versions[{index}].components[{position}].{name}: must be at most "
                        f"{MAX_NUMBER} with at most {MAX_DECIMALS} decimals"
                    )
