"""Contract of stations, connectors, station events and local lists (stations, station_commands)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from csms.authorization.models import TokenKind, TokenRecord, TokenStatus
from csms.stations.models import ConnectorStatus, Station, StationEvent
from tests.conftest import unique
from tests.contract.builders import AT, JST, new_station
from tests.contract.conftest import REFUSED, Backend, Provider


async def test_a_station_is_added_once_with_its_credentials(uow_provider: Provider) -> None:
    """add is True once; the station reads back with its profile and password flag."""
    station_id = unique("ST")
    async with uow_provider() as uow:
        assert await uow.stations.add(station_id, "scrypt$hash", 2)
        assert not await uow.stations.add(station_id, None, 0)
        station = await uow.stations.get(station_id)
        assert await uow.stations.credentials(station_id) == (2, "scrypt$hash")
        assert await uow.stations.get(unique("ST")) is None
        assert await uow.stations.credentials(unique("ST")) is None
    assert station is not None
    assert station.created_at is not None
    assert station == Station(
        station_id, has_password=True, security_profile=2, created_at=station.created_at
    )


async def test_credentials_change_within_the_profile_rules(uow_provider: Provider) -> None:
    """set_credentials replaces profile and hash; a Basic profile without a password is refused."""
    station_id = await new_station(uow_provider)
    async with uow_provider() as uow:
        await uow.stations.set_credentials(station_id, 1, "h")
        assert await uow.stations.credentials(station_id) == (1, "h")
        await uow.stations.set_credentials(station_id, 3, None)
        station = await uow.stations.get(station_id)
    assert station is not None
    assert (station.security_profile, station.has_password) == (3, False)
    with pytest.raises(REFUSED):
        async with uow_provider() as uow:
            await uow.stations.set_credentials(station_id, 2, None)


async def test_boot_connection_and_touch_are_recorded(uow_provider: Provider) -> None:
    """A boot records what the station says and when; connecting and touching move last seen."""
    station_id = await new_station(uow_provider)
    booted = Station(station_id, "Nichicon", "ESS-1", "SN1", "1.2", "2.0.1")
    async with uow_provider() as uow:
        await uow.stations.record_boot(booted, AT.astimezone(JST))
        after_boot = await uow.stations.get(station_id)
        await uow.stations.set_connected(station_id, True, AT + timedelta(seconds=1))
        connected = await uow.stations.get(station_id)
        await uow.stations.touch(station_id, AT + timedelta(seconds=2))
        assert await uow.stations.disconnect_all() >= 1
        disconnected = await uow.stations.get(station_id)
    assert after_boot is not None
    assert connected is not None
    assert disconnected is not None
    assert (after_boot.vendor, after_boot.model, after_boot.serial_number) == (
        "Nichicon",
        "ESS-1",
        "SN1",
    )
    assert (after_boot.firmware_version, after_boot.ocpp_version) == ("1.2", "2.0.1")
    assert after_boot.last_boot_at == after_boot.last_seen_at == AT
    assert after_boot.last_boot_at is not None
    assert after_boot.last_boot_at.utcoffset() == timedelta(0)
    assert (connected.connected, connected.last_seen_at) == (True, AT + timedelta(seconds=1))
    assert (disconnected.connected, disconnected.last_seen_at) == (False, AT + timedelta(seconds=2))


async def test_the_newest_connector_status_wins(backend: Backend) -> None:
    """A status older than the stored one is ignored; a newer or equal one replaces it."""
    station_id = await new_station(backend.provider)

    async def report(status: str, seconds: int) -> None:
        async with backend.provider(atomic=False) as uow:
            at = AT + timedelta(seconds=seconds)
            await uow.connectors.upsert(ConnectorStatus(station_id, 1, 1, status, None, at))

    await report("Occupied", 10)
    await report("Available", 5)
    assert await backend.probe.connector(station_id, 1, 1) == (
        "Occupied",
        AT + timedelta(seconds=10),
    )
    await report("Faulted", 10)
    assert await backend.probe.connector(station_id, 1, 1) == (
        "Faulted",
        AT + timedelta(seconds=10),
    )
    assert await backend.probe.connector(station_id, 1, 2) is None


async def test_station_events_keep_their_payload_as_json(backend: Backend) -> None:
    """Station events are kept in order with their payload after a JSON round trip."""
    station_id = unique("ST")
    payload = {"eventData": [{"actualValue": Decimal("1.50"), "trigger": "Alerting"}]}
    async with backend.provider() as uow:
        await uow.station_events.add(StationEvent(station_id, "NotifyEvent", AT, payload))
        await uow.station_events.add(StationEvent(station_id, "SecurityEvent", None, {}))
    assert await backend.probe.station_events(station_id) == [
        ("NotifyEvent", {"eventData": [{"actualValue": "1.50", "trigger": "Alerting"}]}),
        ("SecurityEvent", {}),
    ]


def card(
    operator_id: str, status: TokenStatus = TokenStatus.ACCEPTED, **fields: object
) -> TokenRecord:
    record = TokenRecord(unique("CARD"), TokenKind.ISO14443, status, None, None)
    return dataclasses.replace(record, operator_id=operator_id, **fields)  # type: ignore[arg-type]


async def test_list_versions_count_up_from_zero_per_operator(uow_provider: Provider) -> None:
    """A new operator's list is version 0; each bump adds one; an unknown operator has none."""
    operator_id = unique("OP")
    async with uow_provider() as uow:
        await uow.accounts.add_operator(operator_id, "Operator")
        assert await uow.local_lists.version(operator_id) == 0
        assert await uow.local_lists.bump_version(operator_id, []) == 1
        assert await uow.local_lists.bump_version(operator_id, ["A"]) == 2
        await uow.accounts.add_operator(operator_id, "Renamed")
        assert await uow.local_lists.version(operator_id) == 2
        assert await uow.local_lists.version(unique("OP")) is None


async def test_changes_since_a_version_are_each_card_once_as_it_is_now(
    uow_provider: Provider,
) -> None:
    """Cards changed after a version, by id, each once, with its record (None: unknown)."""
    operator_id = unique("OP")
    known = card(operator_id, TokenStatus.BLOCKED)
    async with uow_provider() as uow:
        await uow.accounts.add_operator(operator_id, "Operator")
        await uow.tokens.upsert(known)
        first = await uow.local_lists.bump_version(operator_id, [known.id_token, "ZZ-GONE"])
        await uow.local_lists.bump_version(operator_id, ["ZZ-GONE", "AA-GONE"])
        every = await uow.local_lists.changed_since(operator_id, 0)
        later = await uow.local_lists.changed_since(operator_id, first)
    stored = every[[token for token, _ in every].index(known.id_token)][1]
    assert stored is not None
    assert every == [("AA-GONE", None), (known.id_token, stored), ("ZZ-GONE", None)]
    assert dataclasses.replace(stored, created_at=None) == known
    assert later == [("AA-GONE", None), ("ZZ-GONE", None)]


async def test_the_valid_cards_of_an_operator(uow_provider: Provider) -> None:
    """Accepted cards of the operator not expired at the time, by id."""
    operator_id, other = unique("OP"), unique("OP")
    cards = [
        card(operator_id, id_token="C-3"),
        card(operator_id, id_token="C-1", expires_at=AT + timedelta(days=1)),
        card(operator_id, id_token="C-2", expires_at=AT),
        card(operator_id, TokenStatus.BLOCKED),
        card(other),
    ]
    cards = [dataclasses.replace(c, id_token=c.id_token + operator_id) for c in cards]
    async with uow_provider() as uow:
        for operator in (operator_id, other):
            await uow.accounts.add_operator(operator, "Operator")
        for record in cards:
            await uow.tokens.upsert(record)
        valid = await uow.local_lists.valid_tokens(operator_id, AT)
    assert [c.id_token for c in valid] == [cards[1].id_token, cards[0].id_token]


async def test_stations_belong_to_an_operator_and_hold_a_list_version(
    uow_provider: Provider,
) -> None:
    """set_operator is False for an unknown station; the operator's stations are by id."""
    operator_id = unique("OP")
    first, second = sorted([await new_station(uow_provider), await new_station(uow_provider)])
    async with uow_provider() as uow:
        lists = uow.station_lists
        await uow.accounts.add_operator(operator_id, "Operator")
        assert await lists.operator_of(first) is None
        assert await lists.set_operator(second, operator_id)
        assert await lists.set_operator(first, operator_id)
        assert not await lists.set_operator(unique("ST"), operator_id)
        await lists.set_list_version(second, 4)
        assert await lists.operator_of(first) == operator_id
        assert await lists.operator_of(unique("ST")) is None
        assert await lists.stations_of_operator(operator_id) == [(first, None), (second, 4)]
        await lists.set_list_version(second, None)
        assert await lists.stations_of_operator(operator_id) == [(first, None), (second, None)]
