"""The stored tariffs at start-up: the seed files imported, the catalog read, the watch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from csms.authorization.models import Stand
from csms.billing.price_text import price_text
from csms.billing.pricer import JST
from csms.clock import Clock
from csms.settings import Settings
from csms.settlement.tariff_admin import TariffBook
from csms.settlement.tariffs import NoTariffAssigned, TariffCatalog
from csms.storage.tariff_files import DEFAULT_DIR, Seed, load_seed
from csms.storage.tariff_seed import import_seed
from csms.storage.tariffs import PostgresTariffStore

log = structlog.get_logger(__name__)


def read_seed(settings: Settings) -> Seed:
    """The configured tariff and assignment files (a bad one stops start-up)."""
    return load_seed(settings.tariffs_dir or DEFAULT_DIR, settings.tariff_assignments)


async def open_tariffs(pool: asyncpg.Pool, seed: Seed, settings: Settings) -> TariffBook:
    """The seed's missing versions and assignments imported (never over a stored row), then
    everything stored read into the catalog settlement uses."""
    store = PostgresTariffStore(pool)
    imported = await import_seed(pool, seed.catalog, seed.sites)
    book = TariffBook(store, TariffCatalog({}, {}, {}, {}), settings.tariff_default_class)
    await book.refresh()
    if imported.differing:
        log.warning("tariff_seed_versions_kept", versions=imported.differing)
    log.info(
        "tariffs_loaded",
        tariffs=sorted(book.catalog.tariffs),
        imported_versions=imported.versions,
        imported_assignments=imported.assignments,
        assigned_stations=len(book.catalog.stations),
        default_class=book.catalog.default_class,
    )
    return book


def refresh_failed(exc: Exception) -> None:
    """The tariff watch could not read the database; it tries again at its next interval."""
    log.warning("tariff_refresh_failed", error=repr(exc))


def stand_price(book: TariffBook, clock: Clock) -> Callable[[Stand, str], Awaitable[str | None]]:
    """The price a visitor's page shows for a stand: its tariff's unit prices today (JST),
    tax included (``billing.price_text``); None when the stand has no tariff."""

    async def price_of(stand: Stand, language: str) -> str | None:
        try:
            tariff = book.catalog.resolve(stand.station_id, stand.evse_id)
        except NoTariffAssigned:
            return None
        today = clock.now().astimezone(JST).date()
        version = tariff.version_on(today)
        return price_text(version.components, language) if version is not None else None

    return price_of
