"""Contract of sessions, the 2.0.1 transaction log and app starts (csms/charging/ports.py)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import SessionState
from csms.charging.ports import (
    RemoteStartClaim,
    RemoteStartRequest,
    SeqNoEntry,
    SeqNoOutcome,
    SessionCompletion,
    SessionProgress,
    UnmatchedStop,
)
from tests.contract.builders import AT, JST, new_session, new_station, session_of
from tests.contract.conftest import REFUSED, Backend, Provider


async def test_an_inserted_session_is_found_by_id_transaction_and_start_key(
    uow_provider: Provider,
) -> None:
    """A session reads back equal by id, by transaction and by start key; others find none."""
    station_id = await new_station(uow_provider)
    session = session_of(
        station_id, started_at=AT.astimezone(JST), meter_start_wh=Decimal("1234.500")
    )
    async with uow_provider() as uow:
        await uow.sessions.insert(session, "start-1")
    async with uow_provider() as uow:
        by_id = await uow.sessions.by_id(session.session_id)
        by_transaction = await uow.sessions.by_transaction(station_id, session.transaction_id)
        by_key = await uow.sessions.by_start_key(station_id, "start-1")
        assert await uow.sessions.by_start_key(station_id, "start-2") is None
        assert await uow.sessions.by_transaction(station_id, "other") is None
    assert by_id == by_transaction == by_key == session
    assert by_id is not None
    assert str(by_id.meter_start_wh) == "1234.500"
    assert by_id.started_at.utcoffset() == timedelta(0)


async def test_insert_keeps_the_start_only(uow_provider: Provider) -> None:
    """What a stop sets is not written by insert: the session reads back unstopped."""
    station_id = await new_station(uow_provider)
    session = session_of(
        station_id, stopped_at=AT, meter_stop_wh=Decimal(9), energy_wh=Decimal(9), stop_reason="X"
    )
    async with uow_provider() as uow:
        await uow.sessions.insert(session, None)
        found = await uow.sessions.by_id(session.session_id)
    assert found == dataclasses.replace(
        session, stopped_at=None, meter_stop_wh=None, energy_wh=None, stop_reason=None
    )


@pytest.mark.parametrize("clash", ["transaction", "start_key"])
async def test_a_second_session_for_the_same_start_is_refused(
    uow_provider: Provider, clash: str
) -> None:
    """A station's transaction id and start key each belong to one session."""
    station_id = await new_station(uow_provider)
    first = session_of(station_id)
    async with uow_provider() as uow:
        await uow.sessions.insert(first, "key")
    second = session_of(station_id)
    if clash == "transaction":
        second = dataclasses.replace(second, transaction_id=first.transaction_id)
    with pytest.raises(REFUSED):
        async with uow_provider() as uow:
            await uow.sessions.insert(second, "key" if clash == "start_key" else None)
    async with uow_provider() as uow:
        assert await uow.sessions.by_id(second.session_id) is None


async def test_a_session_needs_a_known_station(uow_provider: Provider) -> None:
    """Inserting a session of an unregistered station is refused."""
    with pytest.raises(REFUSED):
        async with uow_provider() as uow:
            await uow.sessions.insert(session_of("NO-SUCH-STATION"), None)


async def test_complete_finishes_an_active_session_once(uow_provider: Provider) -> None:
    """The first completion is kept; completing again changes nothing."""
    session = await new_session(uow_provider)
    async with uow_provider() as uow:
        await uow.sessions.complete(
            session.session_id,
            SessionCompletion(
                AT + timedelta(hours=1), Decimal("5000.25"), Decimal("3765"), "Local"
            ),
        )
    async with uow_provider() as uow:
        await uow.sessions.complete(
            session.session_id,
            SessionCompletion(AT + timedelta(hours=2), Decimal(1), Decimal(1), "Remote"),
        )
        done = await uow.sessions.by_id(session.session_id)
    assert done is not None
    assert done.state is SessionState.COMPLETED
    assert (done.stopped_at, done.meter_stop_wh, done.energy_wh, done.stop_reason) == (
        AT + timedelta(hours=1),
        Decimal("5000.25"),
        Decimal("3765"),
        "Local",
    )


async def test_update_progress_keeps_the_first_meter_start_and_replaces_what_is_given(
    uow_provider: Provider,
) -> None:
    """meter start is set once; seqNo, token, kind and status change only when given."""
    session = await new_session(uow_provider)
    async with uow_provider() as uow:
        await uow.sessions.update_progress(
            session.session_id,
            SessionProgress(
                meter_start_wh=Decimal("100.0"),
                last_seq_no=3,
                offline=True,
                id_token="CARD1",
                token_kind=TokenKind.ISO14443,
                authorization_status=TokenStatus.ACCEPTED,
            ),
        )
    async with uow_provider() as uow:
        await uow.sessions.update_progress(
            session.session_id,
            SessionProgress(
                meter_start_wh=Decimal("200"),
                last_seq_no=None,
                offline=False,
                id_token=None,
                token_kind=None,
                authorization_status=None,
            ),
        )
        found = await uow.sessions.by_id(session.session_id)
    assert found is not None
    assert (found.meter_start_wh, found.last_seq_no, found.offline) == (Decimal(100), 3, False)
    assert (found.id_token, found.token_kind, found.authorization_status) == (
        "CARD1",
        TokenKind.ISO14443,
        TokenStatus.ACCEPTED,
    )


async def test_latest_of_station_is_the_last_started(uow_provider: Provider) -> None:
    """The station's session with the latest start, whatever the insert order."""
    station_id = await new_station(uow_provider)
    sessions = [session_of(station_id, started_at=AT + timedelta(minutes=m)) for m in (5, 30, 10)]
    async with uow_provider() as uow:
        for session in sessions:
            await uow.sessions.insert(session, None)
        latest = await uow.sessions.latest_of_station(station_id)
        assert await uow.sessions.latest_of_station(station_id + "-other") is None
    assert latest == sessions[1]


async def test_transaction_ids_increase_and_are_never_given_twice(
    uow_provider: Provider,
) -> None:
    """1.6 transaction ids come from a counter that a rollback does not wind back."""
    async with uow_provider() as uow:
        first = await uow.sessions.next_transaction_id()
        second = await uow.sessions.next_transaction_id()
    with pytest.raises(RuntimeError):
        async with uow_provider() as uow:
            rolled_back = await uow.sessions.next_transaction_id()
            raise RuntimeError("use case failed")
    async with uow_provider() as uow:
        after = await uow.sessions.next_transaction_id()
    assert first < second < rolled_back < after


async def test_a_new_seq_no_is_recorded_and_a_replay_is_not(uow_provider: Provider) -> None:
    """record_event_seq: NEW for a new (station, transaction, seqNo), REPLAY for the same
    event again (same content digest)."""
    station_id, transaction_id = await new_station(uow_provider), "T1"
    async with uow_provider() as uow:
        log = uow.transaction_log
        entry = SeqNoEntry(station_id, transaction_id, 0, "Started", "X", AT, False, "d1")
        assert await log.record_event_seq(entry) is SeqNoOutcome.NEW
        assert await log.record_event_seq(entry) is SeqNoOutcome.REPLAY
        other = SeqNoEntry(station_id, "T2", 0, "Started", "X", AT, False, "d1")
        assert await log.record_event_seq(other) is SeqNoOutcome.NEW


async def test_a_used_seq_no_with_other_content_is_kept_flagged(backend: Backend) -> None:
    """A restarted counter: another event with a used seqNo is REUSED (stored, flagged),
    its own replay is a REPLAY; seqNo is 64-bit (2^40 fits)."""
    station_id, transaction_id = await new_station(backend.provider), "T1"
    big = 2**40
    async with backend.provider() as uow:
        log = uow.transaction_log
        first = SeqNoEntry(station_id, transaction_id, big, "Updated", "X", AT, False, "a")
        again = SeqNoEntry(station_id, transaction_id, big, "Ended", "X", AT, False, "b")
        assert await log.record_event_seq(first) is SeqNoOutcome.NEW
        assert await log.record_event_seq(again) is SeqNoOutcome.REUSED
        assert await log.record_event_seq(again) is SeqNoOutcome.REPLAY
        assert await log.record_event_seq(first) is SeqNoOutcome.REPLAY


async def test_gaps_below_a_new_seq_no_are_kept_until_filled(backend: Backend) -> None:
    """Missing seqNos are recorded when a later one arrives and cleared when they come."""
    station_id, transaction_id = await new_station(backend.provider), "T1"

    async def record(seq_no: int) -> bool:
        async with backend.provider() as uow:
            outcome = await uow.transaction_log.record_event_seq(
                SeqNoEntry(
                    station_id, transaction_id, seq_no, "Updated", "MeterValuePeriodic", AT, False
                )
            )
            return outcome is not SeqNoOutcome.REPLAY

    assert await record(0)
    assert await record(3)
    assert await backend.probe.seq_no_gaps(station_id, transaction_id) == [1, 2]
    assert await record(2)
    assert not await record(3)
    assert await backend.probe.seq_no_gaps(station_id, transaction_id) == [1]


async def test_nothing_below_a_started_seq_no_is_missing(backend: Backend) -> None:
    """A station counting across transactions starts one at seqNo 7: no gap below it; an
    Updated that came before its Started left gaps that the Started clears."""
    station_id = await new_station(backend.provider)

    async def record(transaction_id: str, seq_no: int, kind: str) -> None:
        entry = SeqNoEntry(station_id, transaction_id, seq_no, kind, "Authorized", AT, False)
        async with backend.provider() as uow:
            assert await uow.transaction_log.record_event_seq(entry) is SeqNoOutcome.NEW

    await record("T1", 7, "Started")
    await record("T1", 9, "Updated")
    assert await backend.probe.seq_no_gaps(station_id, "T1") == [8]
    await record("T2", 12, "Updated")  # its Started comes late
    assert await backend.probe.seq_no_gaps(station_id, "T2") == list(range(12))
    await record("T2", 10, "Started")
    assert await backend.probe.seq_no_gaps(station_id, "T2") == [11]


async def test_a_new_seq_no_raises_the_sessions_last_seq_no(uow_provider: Provider) -> None:
    """The session's last seqNo is the highest recorded, never lowered by a late one."""
    session = await new_session(uow_provider)
    async with uow_provider() as uow:
        for seq_no in (5, 2):
            await uow.transaction_log.record_event_seq(
                SeqNoEntry(
                    session.station_id, session.transaction_id, seq_no, "Updated", "X", AT, True
                )
            )
        found = await uow.sessions.by_id(session.session_id)
    assert found is not None
    assert found.last_seq_no == 5


async def test_an_unmatched_stop_is_kept_once(backend: Backend) -> None:
    """The first stop of an unknown transaction is kept with its payload; a replay is not."""
    station_id = await new_station(backend.provider)
    payload: dict[str, object] = {"meterStop": Decimal("12.5"), "idTag": "A"}
    async with backend.provider() as uow:
        log = uow.transaction_log
        assert await log.record_unmatched_stop(
            UnmatchedStop(station_id, "9", AT, Decimal("12.5"), "Local", payload)
        )
        assert not await log.record_unmatched_stop(
            UnmatchedStop(station_id, "9", AT, None, "Other", {})
        )
    assert await backend.probe.unmatched_stop(station_id, "9") == (
        Decimal("12.5"),
        "Local",
        {"meterStop": "12.5", "idTag": "A"},
    )


async def test_a_remote_start_is_claimed_by_its_id_once(uow_provider: Provider) -> None:
    """A start named by id is claimed once, and only at its own station."""
    station_id = await new_station(uow_provider)
    other_station = await new_station(uow_provider)
    async with uow_provider() as uow:
        first = await uow.remote_starts.add(RemoteStartRequest(station_id, 1, "APP1", None, AT))
        second = await uow.remote_starts.add(RemoteStartRequest(station_id, 1, "APP1", None, AT))
        assert second > first

        async def claim(station: str, id_token: str) -> int | None:
            session = session_of(station)
            named = RemoteStartClaim(station, id_token, first, AT, session.session_id)
            claimed = await uow.sessions.insert(session, None, named)
            stored = await uow.sessions.by_id(session.session_id)
            assert stored is not None
            assert stored.remote_start_id == claimed
            return claimed

        assert await claim(other_station, "APP1") is None
        assert await claim(station_id, "ANY") == first
        assert await claim(station_id, "ANY") is None


async def test_a_remote_start_without_id_is_the_latest_of_the_card_in_the_window(
    uow_provider: Provider,
) -> None:
    """Unnamed, the card's latest unclaimed start requested since the window opened wins."""
    station_id = await new_station(uow_provider)
    async with uow_provider() as uow:
        starts = uow.remote_starts

        async def add(id_token: str, seconds: int) -> int:
            at = AT + timedelta(seconds=seconds)
            return await starts.add(RemoteStartRequest(station_id, 1, id_token, None, at))

        async def claim(since: datetime) -> int | None:
            session = session_of(station_id)
            unnamed = RemoteStartClaim(station_id, "APP1", None, since, session.session_id)
            return await uow.sessions.insert(session, None, unnamed)

        early = await add("APP1", 0)
        late = await add("APP1", 10)
        await add("APP2", 20)
        assert await claim(AT) == late
        assert await claim(AT + timedelta(seconds=5)) is None
        assert await claim(AT) == early
        assert await claim(AT) is None
