"""Who may connect: security profiles 1-3 at the handshake, over real (TLS) sockets."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import trustme
from websockets.exceptions import InvalidStatus

from csms.bootstrap import CentralSystem
from simulators.station import PROFILES, SimClock, SimulatedStation
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings

PASSWORD = "a-station-key-of-24-b!"  # 22 bytes


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    server = folder / "server.pem"
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(
        str(server)
    )
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return {"server": server, "ca": ca_file}


@pytest.fixture
async def secure_system(migrated_dsn: str, tls_files: dict[str, Path]) -> AsyncIterator[Any]:
    settings = make_settings(
        migrated_dsn,
        dev_mode=False,
        tls_port=0,
        tls_cert_file=tls_files["server"],
        tls_key_file=tls_files["server"],
        tls_client_ca_file=tls_files["ca"],
        handshake_failure_limit=50,
    )
    async with CentralSystem(settings) as system:
        yield system


def client_tls(ca: trustme.CA, common_name: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(context)
    if common_name is not None:
        ca.issue_cert(common_name, common_name=common_name).configure_cert(context)
    return context


async def connect(
    system: CentralSystem, station_id: str, *, tls: bool = False, **kwargs: Any
) -> SimulatedStation:
    station = SimulatedStation(station_id, "2.0.1", PROFILES["normal-ac-6kw"], SimClock(speed=0))
    if tls:
        url = f"wss://127.0.0.1:{system.ocpp.tls_port}/ocpp"  # type: ignore[union-attr]
    else:
        url = f"ws://127.0.0.1:{system.ocpp_port}/ocpp"
    await station.connect(url, **kwargs)
    return station


async def refused(system: CentralSystem, station_id: str, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as raised:
        await connect(system, station_id, **kwargs)
    return int(raised.value.response.status_code)


async def add(
    system: CentralSystem, profile: int, password: str | None = PASSWORD, *, hex_key: bool = False
) -> str:
    station_id = unique(f"P{profile}")
    assert system.admin is not None
    await system.admin.add_station(station_id, password, profile=profile, hex_key=hex_key)
    return station_id


async def test_profile_1_basic_auth(secure_system: CentralSystem) -> None:
    """Profile 1: the right password connects; none, a wrong one, or TLS are refused."""
    station_id = await add(secure_system, 1)
    assert await refused(secure_system, station_id) == 401  # no credentials
    assert await refused(secure_system, station_id, password="wrong-password-1234") == 401
    station = await connect(secure_system, station_id, password=PASSWORD)
    assert "currentTime" in await station.boot()
    await station.close()


async def test_an_unauthenticated_second_connection_does_not_close_the_first(
    secure_system: CentralSystem,
) -> None:
    """A second socket for a station must authenticate before it may replace the first."""
    station_id = await add(secure_system, 1)
    first = await connect(secure_system, station_id, password=PASSWORD)
    try:
        await first.boot()
        assert await refused(secure_system, station_id) == 401
        assert await refused(secure_system, station_id, password="wrong-password-1234") == 401
        assert (await first.heartbeat())["currentTime"]  # the first socket still serves
        assert secure_system.ocpp is not None
        live = secure_system.ocpp.registry.get(station_id)
        assert live is not None
        second = await connect(secure_system, station_id, password=PASSWORD)
        try:
            for _ in range(200):  # the server serves it once the handshake is done
                if secure_system.ocpp.registry.get(station_id) is not live:
                    break
                await asyncio.sleep(0.01)
            assert secure_system.ocpp.registry.get(station_id) is not live  # it took over
        finally:
            await second.close()
    finally:
        await first.close()


async def test_profile_1_hex_key_in_both_forms(secure_system: CentralSystem) -> None:
    """A hex AuthorizationKey connects whether the station sends the hex or the raw bytes."""
    key_hex = "6b65792d6f662d31362d62797465732d"  # "key-of-16-bytes-"
    station_id = await add(secure_system, 1, key_hex, hex_key=True)
    for sent in (key_hex, "key-of-16-bytes-"):
        station = await connect(secure_system, station_id, password=sent)
        await station.close()


async def test_unknown_station_is_refused_with_404(
    secure_system: CentralSystem, db: asyncpg.Connection
) -> None:
    """Outside development mode an unregistered station is refused and not registered."""
    stranger = unique("STRANGER")
    assert await refused(secure_system, stranger, password=PASSWORD) == 404
    assert await db.fetchval("SELECT count(*) FROM stations WHERE station_id = $1", stranger) == 0


async def test_a_station_without_credentials_needs_development_mode(
    secure_system: CentralSystem,
) -> None:
    """Profile 0 (no credentials) is refused when development mode is off."""
    station_id = await add(secure_system, 0, None)
    assert await refused(secure_system, station_id) == 401


async def test_profile_2_tls_and_basic(secure_system: CentralSystem, ca: trustme.CA) -> None:
    """Profile 2: TLS with the password connects; plain ws with it is the wrong profile."""
    station_id = await add(secure_system, 2)
    assert await refused(secure_system, station_id, password=PASSWORD) == 401  # not TLS
    assert await refused(secure_system, station_id, tls=True, ssl=client_tls(ca)) == 401
    station = await connect(
        secure_system, station_id, tls=True, ssl=client_tls(ca), password=PASSWORD
    )
    assert "currentTime" in await station.boot()
    await station.close()


async def test_profile_3_client_certificate(secure_system: CentralSystem, ca: trustme.CA) -> None:
    """Profile 3: a certificate with the station's CN connects; another CN or none do not."""
    station_id = await add(secure_system, 3, None)
    other = unique("OTHER")
    assert await refused(secure_system, station_id, tls=True, ssl=client_tls(ca, other)) == 401
    assert await refused(secure_system, station_id, tls=True, ssl=client_tls(ca)) == 401
    assert await refused(secure_system, station_id, password=PASSWORD) == 401  # plain ws
    station = await connect(secure_system, station_id, tls=True, ssl=client_tls(ca, station_id))
    assert "currentTime" in await station.boot()
    await station.close()


async def test_profile_1_station_cannot_use_tls(
    secure_system: CentralSystem, ca: trustme.CA
) -> None:
    """A station connects only on the profile configured for it."""
    station_id = await add(secure_system, 1)
    assert (
        await refused(secure_system, station_id, tls=True, ssl=client_tls(ca), password=PASSWORD)
        == 401
    )


async def test_failed_handshakes_are_counted_and_throttled(migrated_dsn: str) -> None:
    """After the limit of failures from one address, the next attempt gets 429."""
    settings = make_settings(migrated_dsn, dev_mode=False, handshake_failure_limit=3)
    async with CentralSystem(settings) as system:
        station_id = await add(system, 1)
        for _ in range(3):
            assert await refused(system, station_id, password="wrong-password-1234") == 401
        assert await refused(system, station_id, password=PASSWORD) == 429
        async with api_client(system) as own:
            metrics = (await own.get("/metrics")).text
    assert 'csms_handshakes_refused_total{reason="Unauthorized"}' in metrics
    assert 'csms_handshakes_refused_total{reason="Too Many Requests"}' in metrics
