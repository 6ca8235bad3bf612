"""Contract of the unit of work, its events and the outbox and mail queue (csms/ports.py)."""

from __future__ import annotations

import uuid

import pytest

from csms.events import SessionEnded, StationBooted
from tests.conftest import unique
from tests.contract.builders import new_station, session_of
from tests.contract.conftest import Backend, Provider


def booted(station_id: str, model: str = "M") -> StationBooted:
    return StationBooted(station_id, accepted=True, vendor="V", model=model)


async def test_recorded_events_are_committed_in_order_on_a_clean_exit(backend: Backend) -> None:
    """Events recorded in a unit of work are in the outbox after it, in recording order."""
    station_id = unique("EV")
    ended = SessionEnded(station_id, str(uuid.uuid4()), "7", "1500.50", None)
    async with backend.provider() as uow:
        uow.record(booted(station_id))
        uow.record(ended)
    async with backend.provider(atomic=False) as uow:
        uow.record(booted(station_id, "second"))
    assert await backend.probe.events_of(station_id) == [
        booted(station_id),
        ended,
        booted(station_id, "second"),
    ]


@pytest.mark.parametrize("atomic", [True, False])
async def test_no_event_is_committed_when_the_use_case_fails(
    backend: Backend, atomic: bool
) -> None:
    """A unit of work that raises writes none of its events, with or without a transaction."""
    station_id = unique("EV")
    with pytest.raises(RuntimeError):
        async with backend.provider(atomic=atomic) as uow:
            uow.record(booted(station_id))
            raise RuntimeError("use case failed")
    assert await backend.probe.events_of(station_id) == []


async def test_a_failed_unit_of_work_leaves_no_row(uow_provider: Provider) -> None:
    """Everything written inside a unit of work that raises is rolled back."""
    station_id = await new_station(uow_provider)
    session = session_of(station_id)
    new_station_id = unique("ST")
    with pytest.raises(RuntimeError):
        async with uow_provider() as uow:
            await uow.sessions.insert(session, "key")
            assert await uow.stations.add(new_station_id, None)
            await uow.stations.touch(station_id, session.started_at)
            raise RuntimeError("use case failed")
    async with uow_provider() as uow:
        assert await uow.sessions.by_id(session.session_id) is None
        assert await uow.sessions.by_start_key(station_id, "key") is None
        assert await uow.stations.get(new_station_id) is None
        station = await uow.stations.get(station_id)
    assert station is not None
    assert station.last_seen_at is None


async def test_without_a_transaction_each_write_stands_alone(uow_provider: Provider) -> None:
    """With atomic=False a write done before the failure is kept."""
    station_id = unique("ST")
    with pytest.raises(RuntimeError):
        async with uow_provider(atomic=False) as uow:
            assert await uow.stations.add(station_id, None)
            raise RuntimeError("use case failed")
    async with uow_provider() as uow:
        assert await uow.stations.get(station_id) is not None


async def test_the_outbox_gives_pending_events_until_delivered(backend: Backend) -> None:
    """Committed events are pending in commit order with increasing ids until marked."""
    station_id = unique("EV")
    for model in ("first", "second"):
        async with backend.provider() as uow:
            uow.record(booted(station_id, model))

    async def mine() -> list[tuple[int, object]]:
        pending = await backend.outbox.pending(100_000)
        return [(i, e) for i, e in pending if e.station_id == station_id]

    pending = await mine()
    assert [event for _, event in pending] == [
        booted(station_id, "first"),
        booted(station_id, "second"),
    ]
    assert pending[0][0] < pending[1][0]
    await backend.outbox.mark_delivered([pending[0][0]])
    assert await mine() == pending[1:]
    await backend.outbox.mark_delivered([pending[1][0]])
    assert await mine() == []


async def test_mail_is_queued_with_its_unit_of_work_until_sent(backend: Backend) -> None:
    """Mail added in a committed unit of work is unsent, oldest first, until marked sent;
    mail of a failed one is never queued."""
    recipient = unique("to") + "@example.jp"
    async with backend.provider() as uow:
        await uow.mail.add("charging_complete", recipient, "Done", "264 yen")
    async with backend.provider() as uow:
        await uow.mail.add("charging_complete", recipient, "Done again", "0 yen")
    with pytest.raises(RuntimeError):
        async with backend.provider() as uow:
            await uow.mail.add("charging_complete", recipient, "Never", "")
            raise RuntimeError("use case failed")

    async def mine() -> list[tuple[int, str, str, str, str]]:
        return [m for m in await backend.mail.unsent(100_000) if m[2] == recipient]

    unsent = await mine()
    assert [(kind, subject, body) for _, kind, _, subject, body in unsent] == [
        ("charging_complete", "Done", "264 yen"),
        ("charging_complete", "Done again", "0 yen"),
    ]
    await backend.mail.mark_sent([unsent[0][0]])
    assert await mine() == unsent[1:]
