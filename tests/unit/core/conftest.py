"""The capabilities wired to the in-memory fakes through the same ``build_services`` the
server uses (style.md §11): fast, no database, no sockets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import SecretStr

from csms.authorization.models import TokenStatus
from csms.bootstrap import Services, build_services
from csms.clock import FixedClock
from csms.settings import Settings
from csms.settlement.tariffs import TariffCatalog, build_catalog
from csms.storage.tariff_files import DEFAULT_DIR, load_tariffs
from tests.fakes import FakeStationGateway, InMemoryStore, InMemoryUnitOfWorkProvider

STATION = "CORE-RULES-1"
UNPRICED_STATION = "CORE-RULES-UNASSIGNED"
MEMBER = "MEMBERCARD000001"
FEB_10 = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)  # 10:00 JST


def catalog() -> TariffCatalog:
    """emp-normal on STATION; UNPRICED_STATION has no assignment."""
    assignments = {
        "stations": {STATION: {"current": "AC", "max_power_kw": "6", "tariff": "emp-normal"}}
    }
    return build_catalog(load_tariffs(DEFAULT_DIR), assignments, "test")


@dataclass
class Core:
    services: Services
    store: InMemoryStore
    gateway: FakeStationGateway
    clock: FixedClock


@pytest.fixture
async def core() -> Core:
    store = InMemoryStore()
    uow = InMemoryUnitOfWorkProvider(store)
    gateway = FakeStationGateway()
    clock = FixedClock(FEB_10)
    settings = Settings(database_url=SecretStr("postgresql://unused"), dev_mode=True)
    services = build_services(settings, uow, gateway, clock, catalog())
    for station_id in (STATION, UNPRICED_STATION):
        await services.admin.add_station(station_id)
    await services.admin.set_token(MEMBER, TokenStatus.ACCEPTED)
    return Core(services, store, gateway, clock)


def wh(value: int | str) -> Decimal:
    return Decimal(value)
