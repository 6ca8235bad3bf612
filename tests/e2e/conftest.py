"""The real central system on 127.0.0.1:0 with a real PostgreSQL, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr

from csms.access.models import Role
from csms.bootstrap import CentralSystem
from csms.settings import Settings


def make_settings(dsn: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "api_host": "127.0.0.1",
        "api_port": 0,
        "public_port": 0,
        "database_url": SecretStr(dsn),
        "dev_mode": True,
        "ocpp_call_timeout_s": 5.0,
        "shutdown_grace_s": 2.0,
        "ocpp_ping_interval_s": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def central_system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    async with CentralSystem(make_settings(migrated_dsn)) as system:
        yield system


@pytest.fixture
def ws_url(central_system: CentralSystem) -> str:
    return f"ws://127.0.0.1:{central_system.ocpp_port}/ocpp"


async def new_key(
    system: CentralSystem, role: Role = Role.ADMIN, operator_id: str | None = None
) -> str:
    """A new API key of ``role`` (within ``operator_id``), made as ``csms api-key create`` does."""
    from tests.conftest import unique

    assert system.access is not None
    return await system.access.create_key(unique(f"test-{role.value}"), role, operator_id)


@asynccontextmanager
async def api_client(
    system: CentralSystem, role: Role = Role.ADMIN, operator_id: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the operator API carrying a new key of ``role``."""
    key = await new_key(system, role, operator_id)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{system.api_port}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ) as client:
        yield client


@pytest.fixture
async def api(central_system: CentralSystem) -> AsyncIterator[httpx.AsyncClient]:
    """The operator API with an admin key."""
    async with api_client(central_system) as client:
        yield client


@pytest.fixture
async def connect_station(ws_url: str) -> AsyncIterator[object]:
    """``await connect_station(version, profile=...)`` gives a connected, booted station."""
    from simulators.station import PROFILES, SimClock, SimulatedStation
    from tests.conftest import unique

    opened: list[SimulatedStation] = []

    async def factory(
        version: str,
        profile: str = "quick-dc-50kw",
        *,
        boot: bool = True,
        station_id: str | None = None,
    ) -> SimulatedStation:
        station = SimulatedStation(
            station_id or unique("CP"), version, PROFILES[profile], SimClock(speed=0)
        )
        await station.connect(ws_url)
        opened.append(station)
        if boot:
            await station.boot()
        return station

    yield factory
    for station in opened:
        await station.close()
