"""The repository side of sessions the station did not end (docs/reliability.md), against
the in-memory fakes and PostgreSQL alike: open sessions on an EVSE, the interruption mark
after a boot, completion with an ending and its replacement by the station's own end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from csms.charging.models import SessionState
from csms.charging.ports import SeqNoEntry, SessionCompletion
from tests.contract.builders import AT, new_session, new_station
from tests.contract.conftest import Provider


async def test_open_sessions_on_an_evse(uow_provider: Provider) -> None:
    station_id = await new_station(uow_provider)
    one = await new_session(uow_provider, station_id)
    two = await new_session(uow_provider, station_id, started_at=AT + timedelta(minutes=1))
    await new_session(uow_provider, station_id, evse_id=2)
    done = await new_session(uow_provider, station_id)
    async with uow_provider() as uow:
        await uow.sessions.complete(
            done.session_id, SessionCompletion(AT, Decimal(5), Decimal(5), "Local")
        )
        found = await uow.sessions.open_on_evse(station_id, 1)
    assert [s.session_id for s in found] == [one.session_id, two.session_id]


async def test_an_ending_is_stored_and_replaced_by_the_stations_own_end(
    uow_provider: Provider,
) -> None:
    session = await new_session(uow_provider)
    note = {"kind": "interrupted", "grace_s": 900.0}
    async with uow_provider() as uow:
        await uow.sessions.complete(
            session.session_id,
            SessionCompletion(AT, Decimal(10), None, "interrupted", ending=note),
        )
        ended = await uow.sessions.by_id(session.session_id)
        late = SessionCompletion(AT + timedelta(minutes=5), Decimal(20), Decimal(20), "Local")
        await uow.sessions.replace_end(session.session_id, late)
        replaced = await uow.sessions.by_id(session.session_id)
        await uow.sessions.replace_end(session.session_id, late)  # no ending any more: no-op
    assert ended is not None
    assert ended.ending == note
    assert replaced is not None
    assert (replaced.state, replaced.stop_reason, replaced.ending) == (
        SessionState.COMPLETED,
        "Local",
        None,
    )
    assert (replaced.meter_stop_wh, replaced.energy_wh) == (Decimal(20), Decimal(20))


async def test_marked_sessions_are_due_only_when_nothing_was_heard(uow_provider: Provider) -> None:
    station_id = await new_station(uow_provider)
    quiet = await new_session(uow_provider, station_id)
    talking = await new_session(uow_provider, station_id, evse_id=2)
    async with uow_provider() as uow:
        assert await uow.sessions.mark_interrupt_pending(station_id) == 2
    async with uow_provider() as uow:
        await uow.transaction_log.record_event_seq(
            SeqNoEntry(station_id, talking.transaction_id, 7, "Updated", "X", AT, False, "d")
        )
    async with uow_provider() as uow:
        assert await uow.sessions.interrupt_due(station_id, 3600) == []  # within the grace
        due = await uow.sessions.interrupt_due(station_id, 0)
    assert [s.session_id for s in due] == [quiet.session_id]
