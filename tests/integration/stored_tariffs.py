"""Stored tariffs for tests that need one in the shared database (memberships name them):
saved through the tariff book as ``POST /api/tariffs`` saves them, so every server started
later on the same database can load them."""

from __future__ import annotations

import asyncpg

from csms.settlement.tariff_admin import TariffBook
from csms.settlement.tariffs import TariffCatalog
from csms.storage.tariffs import PostgresTariffStore


async def store_tariff(pool: asyncpg.Pool, tariff_id: str, price: str = "100") -> str:
    """A flat-fee tariff ``tariff_id`` in force since 2025-01-01; returns its id."""
    book = TariffBook(PostgresTariffStore(pool), TariffCatalog({}, {}, {}, {}))
    version = {"version": "v1", "valid_from": "2025-01-01", "valid_to": None,
               "components": [{"type": "flat", "price": price}]}  # fmt: skip
    document = {"id": tariff_id, "name": "member price", "source": "test", "currency": "JPY",
                "tax_rate_percent": "10", "versions": [version]}  # fmt: skip
    await book.save(document)
    return tariff_id
