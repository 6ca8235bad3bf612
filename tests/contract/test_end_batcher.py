"""Contract of the group commit of plain ends (charging.ports.EndBatcher).

An end decided from reads (``charging.plain_ends``) is stored by the batch (completion,
seqNo entry, samples, statement, events) only while its session is as it was read; a
changed session writes nothing and is left to the full path.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from csms.authorization.rule import Authorizer
from csms.charging.commands import RecordTransactionEvent, TransactionEventKind
from csms.charging.models import Session, SessionState
from csms.charging.plain_ends import decide_plain_end, may_be_plain
from csms.charging.ports import PlainEnd, SeqNoOutcome
from csms.clock import SystemClock
from csms.events import SessionEnded, StatementIssued
from csms.settlement.models import MeterSample
from csms.settlement.service import Settlement
from csms.settlement.tariffs import TariffCatalog
from tests.contract.builders import AT, new_session
from tests.contract.conftest import Backend

END_AT = AT + timedelta(hours=1)


async def _decided(backend: Backend, session: Session) -> PlainEnd:
    sample = MeterSample(END_AT, "Energy.Active.Import.Register", Decimal("5000.5"), "Wh")
    event = RecordTransactionEvent(
        session.station_id,
        "2.0.1",
        TransactionEventKind.ENDED,
        session.transaction_id,
        END_AT,
        evse_id=1,
        connector_id=1,
        seq_no=4,
        trigger="EVDeparted",
        stop_reason="EVDisconnected",
        samples=(sample,),
        station_issues_id=True,
    )
    assert may_be_plain(event)
    settlement = Settlement(TariffCatalog({}, {}, {}, {}))
    async with backend.provider(atomic=False) as uow:
        decided = await decide_plain_end(uow, Authorizer(SystemClock()), settlement, event)
    assert decided is not None
    return decided[0]


async def test_an_end_is_stored_with_its_statement_entry_samples_and_events(
    backend: Backend,
) -> None:
    session = await new_session(backend.provider, meter_start_wh=Decimal(1000), last_seq_no=3)
    end = await _decided(backend, session)
    assert await backend.ends.record_end(end)
    assert not await backend.ends.record_end(end)  # once: the session is completed now
    async with backend.provider() as uow:
        stored = await uow.sessions.by_id(session.session_id)
        statements = await uow.statements.of_session(session.session_id)
        samples = await uow.samples.of_session(session.session_id)
        assert end.entry is not None
        again = await uow.transaction_log.record_event_seq(end.entry)
    assert stored is not None
    assert (stored.state, stored.energy_wh, stored.last_seq_no) == (
        SessionState.COMPLETED,
        Decimal("4000.5"),
        4,
    )
    assert [s.statement_id for s in statements] == [end.statement.statement_id]
    assert [s.value for s in samples] == [Decimal("5000.5")]
    assert again is SeqNoOutcome.REPLAY
    kinds = [type(e) for e in await backend.probe.events_of(session.station_id)]
    assert kinds[-2:] == [SessionEnded, StatementIssued]


@pytest.mark.parametrize("change", ["updated since", "closed since"])
async def test_an_end_whose_session_changed_writes_nothing(backend: Backend, change: str) -> None:
    session = await new_session(backend.provider, meter_start_wh=Decimal(1000), last_seq_no=3)
    end = await _decided(backend, session)
    if change == "updated since":
        end = dataclasses.replace(end, last_seq_no=2)  # read before an update that came since
    else:
        async with backend.provider() as uow:
            await uow.sessions.complete(session.session_id, end.completion)
    assert not await backend.ends.record_end(end)
    async with backend.provider() as uow:
        assert await uow.statements.of_session(session.session_id) == []
        stored = await uow.sessions.by_id(session.session_id)
    assert stored is not None
    assert stored.last_seq_no == 3
    kinds = [type(e) for e in await backend.probe.events_of(session.station_id)]
    assert StatementIssued not in kinds


async def test_a_batch_stores_each_end_it_can_and_skips_the_others(backend: Backend) -> None:
    """Three ends in one window, the second's session closed meanwhile: it alone is skipped;
    each stored one has its statement and its two events, none of the skipped one's."""
    sessions = [
        await new_session(backend.provider, meter_start_wh=Decimal(1000), last_seq_no=3)
        for _ in range(3)
    ]
    ends = [await _decided(backend, session) for session in sessions]
    async with backend.provider() as uow:
        await uow.sessions.complete(sessions[1].session_id, ends[1].completion)
    stored = await asyncio.gather(*(backend.ends.record_end(end) for end in ends))
    assert stored == [True, False, True]
    for session, end, ok in zip(sessions, ends, stored, strict=True):
        async with backend.provider() as uow:
            statements = await uow.statements.of_session(session.session_id)
        assert [s.statement_id for s in statements] == ([end.statement.statement_id] if ok else [])
        events = await backend.probe.events_of(session.station_id)
        issued = [e for e in events if isinstance(e, StatementIssued)]
        assert [e.statement_id for e in issued] == ([str(end.statement.statement_id)] if ok else [])
