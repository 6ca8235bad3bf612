"""The seed import never overwrites a stored tariff version, and skips a new file version
that overlaps a stored one (an operator's API change wins; start-up goes on)."""

from __future__ import annotations

from typing import Any

import asyncpg

from csms.settlement.tariff_admin import TariffBook
from csms.settlement.tariff_documents import parse_document
from csms.settlement.tariffs import TariffCatalog
from csms.storage.pool import create_pool
from csms.storage.tariff_seed import import_seed
from csms.storage.tariffs import PostgresTariffStore
from tests.conftest import unique


def document(tariff_id: str, *versions: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": tariff_id,
        "name": "Seed test",
        "currency": "JPY",
        "tax_rate_percent": "10",
        "versions": list(versions),
    }


def flat(version: str, valid_from: str, price: str, valid_to: str | None = None) -> dict[str, Any]:
    return {
        "version": version,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "components": [{"type": "flat", "price": price}],
    }


async def test_a_file_version_overlapping_a_stored_one_is_skipped(migrated_dsn: str) -> None:
    pool: asyncpg.Pool = await create_pool(migrated_dsn, 2)
    try:
        store = PostgresTariffStore(pool)
        book = TariffBook(store, TariffCatalog({}, {}, {}, {}))
        tariff_id = unique("seed")
        await book.save(document(tariff_id, flat("api-1", "2025-01-01", "700")))  # open-ended
        shipped = parse_document(
            document(
                tariff_id,
                flat("v1", "2024-01-01", "500", "2024-12-31"),  # before it: fits
                flat("v2", "2026-01-01", "600"),  # inside the stored open version: skipped
            )
        )
        catalog = TariffCatalog({tariff_id: shipped}, {}, {}, {})
        done = await import_seed(pool, catalog, {})
        assert done.versions == 1
        assert any("v2" in line and "skipped" in line for line in done.differing)
        await book.refresh()  # the stored tariffs still read: start-up goes on
        stored = await book.tariff(tariff_id)
        versions = {v.version: v for v in stored.tariff.versions}
        assert set(versions) == {"api-1", "v1"}
        assert str(versions["api-1"].components[0].price) == "700"  # never overwritten
    finally:
        await pool.close()
