"""Contract of the group commit of plain starts (charging.ports.StartBatcher).

A start is stored by the batch (session, seqNo entry, samples, SessionStarted) only when
nothing else has to be decided; a retry, a session to supersede, an app start to claim or a
transaction already logged writes nothing and is left to the full path.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from csms.authorization.models import AuthorizationResult, TokenStatus
from csms.authorization.rule import make_token, mask_token
from csms.charging.commands import RecordTransactionEvent, TransactionEventKind
from csms.charging.plain_starts import may_be_plain, plain_start
from csms.charging.ports import RemoteStartRequest, SeqNoOutcome, SessionCompletion
from csms.events import SessionStarted
from csms.settlement.models import MeterSample
from tests.conftest import unique
from tests.contract.builders import AT, new_session, new_station
from tests.contract.conftest import Backend

ACCEPTED = AuthorizationResult(TokenStatus.ACCEPTED)


def _start(station_id: str, version: str = "2.0.1", card: str = "CARD1") -> RecordTransactionEvent:
    v201 = version == "2.0.1"
    begin = MeterSample(AT, "Energy.Active.Import.Register", Decimal("1000.5"), "Wh")
    return RecordTransactionEvent(
        station_id,
        version,
        TransactionEventKind.STARTED,
        unique("TX") if v201 else None,
        AT,
        evse_id=1,
        connector_id=1,
        id_token=make_token(card),
        seq_no=7 if v201 else None,  # a station counting across its transactions
        trigger="Authorized" if v201 else None,
        meter_start_wh=None if v201 else Decimal(120),
        samples=(begin,) if v201 else (),
        station_issues_id=v201,
    )


async def test_a_201_start_is_stored_with_its_entry_samples_and_event(backend: Backend) -> None:
    station_id = await new_station(backend.provider)
    event = _start(station_id)
    assert may_be_plain(event)
    start = plain_start(event, ACCEPTED, AT)
    session = await backend.starts.record_start(start)
    assert session is not None
    assert session.transaction_id == event.transaction_id
    assert start.entry is not None
    async with backend.provider() as uow:
        stored = await uow.sessions.by_transaction(station_id, session.transaction_id)
        samples = await uow.samples.of_session(session.session_id)
        again = await uow.transaction_log.record_event_seq(start.entry)
    assert stored is not None
    assert (stored.meter_start_wh, stored.last_seq_no) == (Decimal("1000.5"), 7)
    assert stored.authorization_status is TokenStatus.ACCEPTED
    assert [s.value for s in samples] == [Decimal("1000.5")]
    assert again is SeqNoOutcome.REPLAY  # the entry was logged with the session
    assert await backend.probe.seq_no_gaps(station_id, session.transaction_id) == []
    events = await backend.probe.events_of(station_id)
    assert [e for e in events if isinstance(e, SessionStarted)] == [
        SessionStarted(
            station_id,
            session_id=str(session.session_id),
            transaction_id=session.transaction_id,
            evse_id=1,
            id_token_masked=mask_token("CARD1"),
            authorization_status="Accepted",
        )
    ]


async def test_a_16_start_gets_an_issued_id_and_its_retry_writes_nothing(
    backend: Backend,
) -> None:
    station_id = await new_station(backend.provider)
    event = _start(station_id, "1.6")
    assert may_be_plain(event)
    first = await backend.starts.record_start(plain_start(event, ACCEPTED, AT))
    assert first is not None
    assert first.transaction_id.isdigit()
    async with backend.provider() as uow:  # ended, so that only the start key is in the way
        stored = await uow.sessions.by_transaction(station_id, first.transaction_id)
        completion = SessionCompletion(AT, Decimal(200), Decimal(80), "Local")
        await uow.sessions.complete(first.session_id, completion)
    assert stored is not None
    assert stored.meter_start_wh == Decimal(120)
    retry = plain_start(event, ACCEPTED, AT)  # the same start key
    assert await backend.starts.record_start(retry) is None
    async with backend.provider() as uow:
        assert await uow.sessions.by_id(retry.session.session_id) is None


@pytest.mark.parametrize("case", ["active on the EVSE", "app start waiting", "logged"])
async def test_a_start_with_something_to_decide_writes_nothing(backend: Backend, case: str) -> None:
    station_id = await new_station(backend.provider)
    event = _start(station_id)
    assert event.transaction_id is not None
    if case == "active on the EVSE":
        await new_session(backend.provider, station_id)
    elif case == "app start waiting":
        async with backend.provider() as uow:
            request = RemoteStartRequest(station_id, 1, "CARD1", None, AT - timedelta(minutes=1))
            await uow.remote_starts.add(request)
    else:
        logged = plain_start(event, ACCEPTED, AT).entry
        assert logged is not None
        async with backend.provider() as uow:
            await uow.transaction_log.record_event_seq(logged)
    assert await backend.starts.record_start(plain_start(event, ACCEPTED, AT)) is None
    async with backend.provider() as uow:
        assert await uow.sessions.by_transaction(station_id, event.transaction_id) is None
    events = await backend.probe.events_of(station_id)
    assert not [e for e in events if isinstance(e, SessionStarted)]


async def test_a_batch_stores_each_start_it_can_and_skips_the_others(backend: Backend) -> None:
    """Three stations' starts in one window: the one with a session to supersede is skipped
    alone, each stored one gets its own session and event."""
    stations = [await new_station(backend.provider) for _ in range(3)]
    await new_session(backend.provider, stations[1])  # active on EVSE 1
    events = [_start(station_id) for station_id in stations]
    results = await asyncio.gather(
        *(backend.starts.record_start(plain_start(e, ACCEPTED, AT)) for e in events)
    )
    assert [r is not None for r in results] == [True, False, True]
    for station_id, event, result in zip(stations, events, results, strict=True):
        started = [
            e for e in await backend.probe.events_of(station_id) if isinstance(e, SessionStarted)
        ]
        assert [e.transaction_id for e in started] == ([event.transaction_id] if result else [])
