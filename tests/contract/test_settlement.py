"""Contract of samples, meters, signed records, metering and statements (settlement/ports.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from csms.settlement.models import (
    EnergySource,
    Metering,
    MeterRecord,
    MeterSample,
    ReviewReason,
    SignedRecord,
    StatementStatus,
)
from csms.settlement.ports import SampleBatch
from tests.contract.builders import AT, JST, new_session, new_station, statement_of
from tests.contract.conftest import REFUSED, Backend, Provider

REGISTER = "Energy.Active.Import.Register"


def reading(minute: int, value: str, **fields: Any) -> MeterSample:
    return MeterSample(AT + timedelta(minutes=minute), REGISTER, Decimal(value), "Wh", **fields)


async def test_samples_read_back_exact_in_time_order(uow_provider: Provider) -> None:
    """A session's samples come back by time with every field, values exact."""
    session = await new_session(uow_provider)
    signed = reading(
        0, "0.0", signed_data="OCMF|{}", signing_method="ECDSA", encoding_method="OCMF"
    )
    samples = [reading(10, "12345.678901"), signed, reading(5, "1E+3", phase="L1")]
    async with uow_provider() as uow:
        added = await uow.samples.add(
            SampleBatch(session.station_id, 1, session.transaction_id, samples), session.session_id
        )
        found = await uow.samples.of_session(session.session_id)
    assert added == 3
    assert found == [signed, samples[2], samples[0]]
    assert [str(s.value) for s in found] == ["0.0", "1000", "12345.678901"]


async def test_a_replayed_sample_is_stored_once(uow_provider: Provider) -> None:
    """The whole sample is its identity (migration 010): the same sample again, in any time
    zone, is one row; one that differs in value, unit, multiplier or phase is another."""
    session = await new_session(uow_provider)
    first = reading(1, "10")
    replays = [first, dataclasses.replace(first, sampled_at=first.sampled_at.astimezone(JST))]
    others = [
        dataclasses.replace(first, value=Decimal(11)),
        dataclasses.replace(first, unit="kWh"),
        dataclasses.replace(first, multiplier=3),
        dataclasses.replace(first, phase="L2"),
    ]
    async with uow_provider() as uow:
        origin = (session.station_id, 1, session.transaction_id)
        await uow.samples.add(SampleBatch(*origin, [first]), session.session_id)
        await uow.samples.add(SampleBatch(*origin, [*replays, *others]), session.session_id)
        await uow.samples.add(SampleBatch(*origin, others), session.session_id)
        found = await uow.samples.of_session(session.session_id)
    assert found == [first, *others]


async def test_an_unreadable_sample_is_kept_flagged(uow_provider: Provider) -> None:
    """A sampled value that cannot be read is stored with its raw text and why, once."""
    session = await new_session(uow_provider)
    bad = dataclasses.replace(
        reading(1, "10"),
        measurand="Voltage",
        value=None,
        raw_value='{"measurand": "Voltage", "value": ""}',
        unreadable="sampledValue.value '' is not a number",
    )
    async with uow_provider() as uow:
        origin = (session.station_id, 1, session.transaction_id)
        await uow.samples.add(SampleBatch(*origin, [bad, bad]), session.session_id)
        found = await uow.samples.of_session(session.session_id)
    assert found == [bad]


async def test_the_batcher_links_samples_to_their_session_once(backend: Backend) -> None:
    """Batched plain samples belong to the session of their transaction; a replay adds none."""
    session = await new_session(backend.provider)
    samples = [reading(1, "10.5"), reading(2, "20.5")]
    for _ in range(2):
        await backend.batcher.add(
            SampleBatch(session.station_id, 1, session.transaction_id, samples)
        )
    async with backend.provider() as uow:
        assert await uow.samples.of_session(session.session_id) == samples


def meter(serial: str, station_id: str, **fields: Any) -> MeterRecord:
    values: dict[str, Any] = {
        "serial": serial,
        "maker": "LEM",
        "model": "DCBM 400/600",
        "year": 2024,
        "accuracy_class": "B",
        "public_key": None,
        "station_id": station_id,
        "evse_id": 1,
    }
    values.update(fields)
    return MeterRecord(**values)


async def test_a_meter_upsert_replaces_it_but_keeps_a_known_key(uow_provider: Provider) -> None:
    """Registering a meter again changes its fields; a key is kept if the new one has none."""
    station_id = await new_station(uow_provider)
    serial = station_id + "-M"
    first = meter(serial, station_id, public_key="04ab", valid_from=AT.astimezone(JST))
    again = meter(serial, station_id, model="DCBM 400", year=2025)
    async with uow_provider() as uow:
        await uow.meters.upsert(first)
        assert await uow.meters.get(serial) == first
        await uow.meters.upsert(again)
        assert await uow.meters.get(serial) == dataclasses.replace(again, public_key="04ab")
        assert await uow.meters.get(serial + "-none") is None


async def test_the_meter_for_a_connector_is_the_latest_valid_at_that_time(
    uow_provider: Provider,
) -> None:
    """Of the connector's meters valid at the time, the latest valid_from; undated last."""
    station_id = await new_station(uow_provider)
    day = timedelta(days=1)
    old = meter(station_id + "-old", station_id, valid_from=AT - 100 * day, valid_to=AT - day)
    new = meter(station_id + "-new", station_id, valid_from=AT - day)
    first = meter(station_id + "-first", station_id, valid_from=AT - 300 * day)
    undated = meter(station_id + "-undated", station_id)
    async with uow_provider() as uow:
        for record in (first, old, new, undated):
            await uow.meters.upsert(record)
        assert await uow.meters.meter_for(station_id, 1, AT) == new
        assert await uow.meters.meter_for(station_id, 1, AT - 50 * day) == old
        assert await uow.meters.meter_for(station_id, 1, AT - 200 * day) == first
        assert await uow.meters.meter_for(station_id, 1, AT - 400 * day) == undated
        assert await uow.meters.meter_for(station_id, 2, AT) is None


def record_of(station_id: str, transaction_id: str | None, raw: str, **fields: Any) -> SignedRecord:
    values: dict[str, Any] = {
        "record_id": None,
        "session_id": None,
        "station_id": station_id,
        "transaction_id": transaction_id,
        "carrier": "SignedData",
        "raw": raw,
        "ocmf": None,
        "public_key": None,
        "parse_error": None,
    }
    values.update(fields)
    return SignedRecord(**values)


async def test_a_signed_record_is_kept_once_per_station_and_transaction(
    uow_provider: Provider,
) -> None:
    """The same text again for the same transaction is a duplicate; elsewhere it is new."""
    session = await new_session(uow_provider)
    station_id, transaction_id = session.station_id, session.transaction_id
    record = record_of(station_id, transaction_id, "OCMF|{}|{}", session_id=session.session_id)
    async with uow_provider() as uow:
        assert await uow.signed_records.add(record)
        assert not await uow.signed_records.add(dataclasses.replace(record, carrier="Other"))
        assert await uow.signed_records.add(dataclasses.replace(record, transaction_id=None))
        assert not await uow.signed_records.add(
            dataclasses.replace(record, transaction_id=None, session_id=None)
        )
        kept = await uow.signed_records.of_session(session.session_id)
    assert [(r.transaction_id, r.carrier, r.raw) for r in kept] == [
        (transaction_id, "SignedData", "OCMF|{}|{}"),
        (None, "SignedData", "OCMF|{}|{}"),
    ]
    assert all(r.record_id is not None and r.received_at is not None for r in kept)


async def test_link_gives_earlier_records_to_their_session(uow_provider: Provider) -> None:
    """Unlinked records of the transaction join the session; other records stay as they are."""
    session = await new_session(uow_provider)
    other = await new_session(uow_provider, station_id=session.station_id)
    station_id, transaction_id = session.station_id, session.transaction_id
    async with uow_provider() as uow:
        records = uow.signed_records
        await records.add(record_of(station_id, transaction_id, "begin"))
        await records.add(record_of(station_id, transaction_id, "end"))
        await records.add(record_of(station_id, "elsewhere", "x"))
        await records.add(record_of(station_id, transaction_id, "o", session_id=other.session_id))
        await records.link(station_id, transaction_id, session.session_id)
        assert [r.raw for r in await records.of_session(session.session_id)] == ["begin", "end"]
        assert [r.raw for r in await records.of_session(other.session_id)] == ["o"]


async def test_metering_round_trips_exactly_and_a_correction_replaces_it(
    uow_provider: Provider,
) -> None:
    """The saved decision reads back equal (Decimal energy exact, meter as JSON); saving
    again replaces it; a session without one has none."""
    session = await new_session(uow_provider)
    bare = await new_session(uow_provider)
    first = Metering(
        Decimal("12.3450"),
        EnergySource.SIGNED_METER,
        {"serial": "M1", "begin_wh": Decimal("1.50"), "signed": True},
        ReviewReason.METER_UNVERIFIED,
        "signature does not verify",
    )
    second = Metering(Decimal("1E+1"), EnergySource.CHARGER_REGISTER)
    async with uow_provider() as uow:
        await uow.metering.save(session.session_id, first)
        kept = await uow.metering.of_session(session.session_id)
        assert await uow.metering.of_session(bare.session_id) is None
    assert kept == dataclasses.replace(
        first, meter={"serial": "M1", "begin_wh": "1.50", "signed": True}
    )
    assert kept is not None
    assert str(kept.energy_wh) == "12.3450"
    async with uow_provider() as uow:
        await uow.metering.save(session.session_id, second)
        replaced = await uow.metering.of_session(session.session_id)
    assert replaced == second
    assert replaced is not None
    assert str(replaced.energy_wh) == "1E+1"


async def test_a_session_has_one_original_statement(uow_provider: Provider) -> None:
    """A second original of a session (a replayed stop) is not stored; the first reads back
    exact, with its inputs as JSON."""
    session = await new_session(uow_provider)
    original = statement_of(session.session_id, inputs={"energy_wh": Decimal("1500.50")})
    async with uow_provider() as uow:
        assert await uow.statements.add(original)
    async with uow_provider() as uow:
        assert not await uow.statements.add(statement_of(session.session_id))
        assert not await uow.statements.add(original)
        kept = await uow.statements.of_session(session.session_id)
    assert len(kept) == 1
    assert kept[0].issued_at is not None
    assert kept[0] == dataclasses.replace(
        original, inputs={"energy_wh": "1500.50"}, issued_at=kept[0].issued_at
    )
    assert [str(v) for v in (kept[0].lines[0].unit_price, kept[0].lines[0].amount)] == [
        "8.80",
        "132.00",
    ]


async def test_corrections_form_a_chain_in_issue_order(uow_provider: Provider) -> None:
    """Each statement is corrected at most once; of_session lists them as issued."""
    session = await new_session(uow_provider)
    original = statement_of(session.session_id)
    first = statement_of(session.session_id, corrects=original.statement_id, correction_reason="a")
    rival = statement_of(session.session_id, corrects=original.statement_id, correction_reason="b")
    second = statement_of(
        session.session_id, corrects=first.statement_id, correction_reason="c", total=Decimal(300)
    )
    for statement, stored in ((original, True), (first, True), (rival, False), (second, True)):
        async with uow_provider() as uow:
            assert await uow.statements.add(statement) is stored
    async with uow_provider() as uow:
        chain = await uow.statements.of_session(session.session_id)
    assert [s.statement_id for s in chain] == [
        original.statement_id,
        first.statement_id,
        second.statement_id,
    ]
    assert [s.corrects for s in chain] == [None, original.statement_id, first.statement_id]


@pytest.mark.parametrize(
    "fields",
    [
        {"total": Decimal("264.5")},  # an issued total is whole yen
        {"correction_reason": "no statement named"},
    ],
)
async def test_a_statement_the_schema_forbids_is_refused(
    uow_provider: Provider, fields: dict[str, object]
) -> None:
    """A fractional issued total, or a correction reason without what it corrects, raises."""
    session = await new_session(uow_provider)
    with pytest.raises(REFUSED):
        async with uow_provider() as uow:
            await uow.statements.add(statement_of(session.session_id, **fields))


async def test_an_unpriced_statement_may_have_no_total(uow_provider: Provider) -> None:
    """Unpriced and needs-review statements carry no total and no lines."""
    session = await new_session(uow_provider)
    unpriced = statement_of(
        session.session_id,
        status=StatementStatus.UNPRICED,
        lines=(),
        total=None,
        tax_included=None,
        unpriced_reason="no tariff",
    )
    async with uow_provider() as uow:
        assert await uow.statements.add(unpriced)
        kept = await uow.statements.of_session(session.session_id)
    assert [(s.status, s.total, s.lines) for s in kept] == [(StatementStatus.UNPRICED, None, ())]
