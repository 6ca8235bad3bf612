"""The pure parts of many nodes (docs/cluster.md): station ids as subject tokens, commands
between nodes as tagged JSON, each node's share of the cluster's limits, and the relay that
marks an event delivered only once the bus has it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms import events
from csms.authorization.models import AuthorizationResult, TokenStatus
from csms.clock import FixedClock
from csms.cluster import codec
from csms.cluster.names import station_of_token, station_token
from csms.errors import StationBusy, StationRejected
from csms.station_commands.commands import (
    CommandResult,
    LocalListEntry,
    RawCall,
    SendLocalList,
    UpdateFirmware,
)
from csms.station_commands.profiles import (
    ChargingProfileSpec,
    ChargingSchedule,
    SchedulePeriod,
    SetChargingProfile,
)
from csms.stations.security import FailureThrottle
from csms.stations.service import BootAdmission
from csms.workers.relay import EventRelay
from tests.fakes import FakeEventOutbox, InMemoryStore


@given(st.text(min_size=1, max_size=60))
def test_every_station_id_is_one_token_and_comes_back(station_id: str) -> None:
    token = station_token(station_id)
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in token)
    assert station_of_token(token) == station_id


def test_plain_ids_are_their_own_token_and_lookalikes_are_not() -> None:
    assert station_token("DEMO-AC-00000") == "DEMO-AC-00000"
    assert station_token("_x_41") != "_x_41"  # else "_x_41" and "A" would share a token
    assert station_token("a.b") != station_token("a_b")


def test_commands_keep_every_type_on_the_way() -> None:
    """Decimal limits stay Decimal (no float), datetimes keep their offset, nested records
    and enums come back equal."""
    jst = timezone(timedelta(hours=9))
    schedule = ChargingSchedule("W", (SchedulePeriod(0, Decimal("7400.5")),), datetime.now(jst))
    commands = [
        SetChargingProfile(1, ChargingProfileSpec(7, "TxProfile", 0, "Absolute", schedule)),
        SendLocalList(
            3,
            True,
            (
                LocalListEntry(
                    "AB12",
                    "ISO14443",
                    AuthorizationResult(
                        TokenStatus.BLOCKED, datetime(2026, 1, 1, tzinfo=UTC), "G1"
                    ),
                ),
            ),
        ),
        UpdateFirmware("https://fw.example/1.bin", datetime(2026, 5, 1, tzinfo=jst), 42),
        RawCall("DataTransfer", {"vendorId": "jp", "data": [1, 2.5, None, {"k": "v"}]}),
    ]
    for command in commands:
        assert codec.decode_command(codec.encode_command(command)) == command
    decoded = codec.decode_command(codec.encode_command(commands[0]))
    assert isinstance(decoded, SetChargingProfile)
    assert type(decoded.profile.schedule.periods[0].limit) is Decimal


def test_only_commands_are_built_from_the_bus() -> None:
    """A record that is not a command (or an unknown name) is refused, never built."""
    result = codec.encode_result(CommandResult("Reset", "Accepted", {"status": "Accepted"}))
    with pytest.raises((ValueError, KeyError)):
        codec.decode_command(result)
    with pytest.raises(KeyError):
        codec.decode_command(b'{"$record": "Popen", "f": {"args": "sh"}}')


def test_errors_come_back_as_the_same_kind() -> None:
    with pytest.raises(StationRejected) as rejected:
        codec.decode_answer(codec.encode_error(StationRejected("S", "Reset", "NotSupported", "x")))
    assert (rejected.value.code, rejected.value.description) == ("NotSupported", "x")
    with pytest.raises(StationBusy, match="8 commands waiting"):
        codec.decode_answer(codec.encode_error(StationBusy("S", 8)))


def test_three_nodes_together_admit_the_clusters_rate() -> None:
    """Each of 3 nodes applies a third of 30 boots/s: 30 at once in the cluster, not 90."""
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    nodes = [BootAdmission(30, clock, share=lambda: 1 / 3) for _ in range(3)]
    admitted = sum(node.retry_after_s() == 0 for node in nodes for _ in range(40))
    assert admitted == 30
    clock.advance(1)
    assert sum(node.retry_after_s() == 0 for node in nodes for _ in range(40)) == 30


def test_the_lock_out_counts_a_station_over_the_whole_cluster() -> None:
    """A limit of 9 failures over 3 nodes: each node locks the station out after 3."""
    throttle = FailureThrottle(9, 60, share=lambda: 1 / 3)
    tries = 0
    while throttle.reserve("ST-1", "10.0.0.1"):
        throttle.settle("ST-1", "10.0.0.1", failed=True)
        tries += 1
    assert tries == 3


async def test_a_batch_the_bus_did_not_take_stays_pending_and_is_sent_again() -> None:
    store = InMemoryStore()
    store.publish([events.StopForUnknownTransaction("ST-1", transaction_id="1")])
    sent: list[int] = []
    failures = [RuntimeError("NATS away")]

    async def forward(batch: list[tuple[int, events.DomainEvent]]) -> None:
        if failures:
            raise failures.pop()
        sent.extend(event_id for event_id, _ in batch)

    relay = EventRelay(FakeEventOutbox(store), forward=forward, mark_interval_s=0.01)
    relay.publish([(1, store.events[0])])
    for _ in range(200):
        if sent:
            break
        await asyncio.sleep(0.01)
    await relay.close()
    assert sent == [1]
    assert store.delivered_events == {1}
