"""Contract of the group commit of plain 2.0.1 updates (charging.ports.UpdateBatcher).

Only the next event of an active session with its start register and place is stored by
the batch; everything else writes nothing and is left to the full path.
"""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest

from csms.charging.models import SessionState
from csms.charging.ports import PlainUpdate, SeqNoEntry
from csms.settlement.models import MeterSample
from tests.contract.builders import AT, new_session
from tests.contract.conftest import Backend


def _update(station_id: str, transaction_id: str, seq_no: int, wh: int = 100) -> PlainUpdate:
    entry = SeqNoEntry(
        station_id, transaction_id, seq_no, "Updated", "MeterValuePeriodic", AT, False, f"d{seq_no}"
    )
    sample = MeterSample(AT, "Energy.Active.Import.Register", Decimal(f"{wh}.25"), "Wh")
    return PlainUpdate(entry, 1, 1, (sample,))


async def test_the_next_event_is_stored_with_its_samples_and_seq_no(backend: Backend) -> None:
    session = await new_session(backend.provider, meter_start_wh=Decimal(0), last_seq_no=0)
    station_id, transaction_id = session.station_id, session.transaction_id
    assert await backend.updates.record_update(_update(station_id, transaction_id, 1, 150))
    assert await backend.updates.record_update(_update(station_id, transaction_id, 2, 300))
    async with backend.provider() as uow:
        stored = await uow.sessions.by_id(session.session_id)
        samples = await uow.samples.of_session(session.session_id)
    assert stored is not None
    assert stored.last_seq_no == 2
    assert [s.value for s in samples] == [Decimal("150.25"), Decimal("300.25")]
    assert await backend.probe.seq_no_gaps(station_id, transaction_id) == []


@pytest.mark.parametrize(
    ("case", "seq_no"),
    [("replay", 1), ("gap", 3), ("completed", 1), ("no start register", 1), ("unknown", 1)],
)
async def test_anything_but_the_next_plain_event_writes_nothing(
    backend: Backend, case: str, seq_no: int
) -> None:
    fields: dict[str, object] = {"meter_start_wh": Decimal(0), "last_seq_no": 0}
    if case == "completed":
        fields["state"] = SessionState.COMPLETED
    if case == "no start register":
        fields["meter_start_wh"] = None
    session = await new_session(backend.provider, **fields)
    if case == "replay":
        assert await backend.updates.record_update(_update(session.station_id, "x", 1)) is False
        assert await backend.updates.record_update(
            _update(session.station_id, session.transaction_id, 1)
        )
        fields["last_seq_no"] = 1
    transaction_id = "not-a-transaction" if case == "unknown" else session.transaction_id
    update = _update(session.station_id, transaction_id, seq_no, wh=999)
    assert await backend.updates.record_update(update) is False
    async with backend.provider() as uow:
        stored = await uow.sessions.by_id(session.session_id)
        samples = await uow.samples.of_session(session.session_id)
    assert stored is not None
    assert stored.last_seq_no == fields["last_seq_no"]
    assert Decimal("999.25") not in [s.value for s in samples]


async def test_a_session_without_its_place_takes_the_full_path(backend: Backend) -> None:
    """An update naming the EVSE a session lacks fills it in: not the batch's job."""
    session = await new_session(
        backend.provider, meter_start_wh=Decimal(0), last_seq_no=0, evse_id=None
    )
    update = _update(session.station_id, session.transaction_id, 1)
    assert await backend.updates.record_update(update) is False


async def test_many_stations_at_once_each_get_their_own_answer(backend: Backend) -> None:
    """One batch: the next events are stored, a gap in the same batch is refused alone."""
    sessions = [
        await new_session(backend.provider, meter_start_wh=Decimal(0), last_seq_no=0)
        for _ in range(6)
    ]
    updates = [_update(s.station_id, s.transaction_id, 1) for s in sessions]
    updates[3] = dataclasses.replace(
        updates[3], entry=dataclasses.replace(updates[3].entry, seq_no=5)
    )
    answers = await asyncio.gather(*(backend.updates.record_update(u) for u in updates))
    assert answers == [True, True, True, False, True, True]
