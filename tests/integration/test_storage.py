"""Migrations and repository behaviour on the real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from csms.charging.models import Session, SessionState
from csms.events import SessionEnded, SessionUpdated, from_payload
from csms.settlement.models import EnergySource, Metering, MeterSample, ReviewReason
from csms.settlement.ports import SampleBatch
from csms.storage.events_outbox import PostgresEventOutbox
from csms.storage.mail import PostgresMailQueue
from csms.storage.migrate import migrate
from csms.storage.postgres import PostgresUnitOfWorkProvider, create_pool
from tests.conftest import unique

AT = datetime(2025, 1, 1, tzinfo=UTC)


def _energy(at: datetime, whole_wh: int) -> MeterSample:
    return MeterSample(at, "Energy.Active.Import.Register", Decimal(f"{whole_wh}.5"), "Wh")


async def _add_session(
    uow: PostgresUnitOfWorkProvider, station: str, *, evse_id: int | None
) -> Session:
    """A registered station with one active session (transaction "7")."""
    session = Session(
        session_id=uuid.uuid4(),
        station_id=station,
        evse_id=evse_id,
        connector_id=evse_id,
        transaction_id="7",
        ocpp_version="1.6",
        id_token=None,
        token_kind=None,
        authorization_status=None,
        started_at=AT,
        stopped_at=None,
        meter_start_wh=None,
        meter_stop_wh=None,
        energy_wh=None,
        stop_reason=None,
        state=SessionState.ACTIVE,
    )
    async with uow() as work:
        await work.stations.add(station, None)
        await work.sessions.insert(session, None)
    return session


async def test_migrations_apply_once(db: asyncpg.Connection) -> None:
    """Running the migrations again applies nothing."""
    assert await migrate(db) == []
    assert await db.fetchval("SELECT max(version) FROM schema_migrations") >= 1


async def test_samples_are_deduplicated_and_numeric_stays_exact(migrated_dsn: str) -> None:
    """The same sample twice is stored once; values come back as exact Decimals."""
    pool = await create_pool(migrated_dsn, 2)
    try:
        uow = PostgresUnitOfWorkProvider(pool)
        station = unique("ST")
        samples = [MeterSample(AT, "Energy.Active.Import.Register", Decimal("12345.678901"), "Wh")]
        for _ in range(2):
            async with uow() as work:
                await work.samples.add(SampleBatch(station, 1, "tx", samples), None)
        async with pool.acquire() as conn:
            values = await conn.fetch(
                "SELECT value FROM meter_samples WHERE station_id = $1", station
            )
        assert [v["value"] for v in values] == [Decimal("12345.678901")]
    finally:
        await pool.close()


async def test_unit_of_work_rolls_back_on_error(migrated_dsn: str) -> None:
    """Nothing of a failed use case is kept."""
    pool = await create_pool(migrated_dsn, 2)
    try:
        uow = PostgresUnitOfWorkProvider(pool)
        station = unique("ROLL")
        with pytest.raises(RuntimeError):
            async with uow() as work:
                await work.stations.add(station, None)
                raise RuntimeError("boom")
        async with uow() as work:
            assert await work.stations.get(station) is None
    finally:
        await pool.close()


def _energy_messages(station: str, count: int) -> list[SampleBatch]:
    """``count`` MeterValues of transaction "7", one energy sample each, a minute apart."""
    return [
        SampleBatch(station, 1, "7", [_energy(AT.replace(minute=i), 1000 + i)])
        for i in range(count)
    ]


async def _samples_of(pool: asyncpg.Pool, station: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT session_id, value FROM meter_samples WHERE station_id = $1", station
        )
    return rows


async def test_sample_batches_store_each_sample_once_linked_to_its_session(
    migrated_dsn: str,
) -> None:
    """Group commit: 40 concurrent messages, replayed twice, give 40 rows linked by session."""
    import asyncio

    from csms.storage.sample_batcher import PostgresSampleBatcher

    pool = await create_pool(migrated_dsn, 4)
    station = unique("BATCH")
    try:
        session = await _add_session(PostgresUnitOfWorkProvider(pool), station, evse_id=1)
        batcher = PostgresSampleBatcher(pool, max_wait_s=0.005)
        messages = _energy_messages(station, 40)
        for _ in range(2):  # the second round is a replay of the same messages
            await asyncio.gather(*(batcher.add(m) for m in messages))
        await batcher.close()
        rows = await _samples_of(pool, station)
        assert len(rows) == 40
        assert {r["session_id"] for r in rows} == {session.session_id}
        assert sorted(r["value"] for r in rows)[0] == Decimal("1000.5")
    finally:
        await pool.close()


async def _events_of(conn: asyncpg.Connection, station: str) -> list[tuple[str, dict[str, Any]]]:
    rows = await conn.fetch(
        "SELECT kind, payload FROM outbox_events WHERE station_id = $1 ORDER BY event_id",
        station,
    )
    return [(row["kind"], row["payload"]) for row in rows]


async def test_recorded_events_are_written_on_commit_and_dropped_on_rollback(
    migrated_dsn: str,
) -> None:
    """The outbox holds a unit of work's events, in order, exactly when it commits."""
    pool = await create_pool(migrated_dsn, 2)
    try:
        uow = PostgresUnitOfWorkProvider(pool)
        station, failed, quiet = unique("EVT"), unique("EVT"), unique("EVT")
        ended = SessionEnded(station, "s-1", "7", "1234.50", None)
        async with uow() as work:
            work.record(SessionUpdated(station, "s-1", "7"))
            work.record(ended)
        async with uow(atomic=False) as work:
            work.record(SessionUpdated(station, "s-2", "8"))
        for atomic in (True, False):
            with pytest.raises(RuntimeError):
                async with uow(atomic=atomic) as work:
                    work.record(SessionUpdated(failed, "s-3", "9"))
                    raise RuntimeError("boom")
        async with uow() as work:
            await work.stations.add(quiet, None)
        async with pool.acquire() as conn:
            stored = await _events_of(conn, station)
            assert await _events_of(conn, failed) == []
            assert await _events_of(conn, quiet) == []
        assert [kind for kind, _ in stored] == [
            "session_updated",
            "session_ended",
            "session_updated",
        ]
        assert from_payload(*stored[1]) == ended
    finally:
        await pool.close()


async def test_event_outbox_gives_pending_events_in_order_until_delivered(
    migrated_dsn: str,
) -> None:
    """The relay's view: undelivered events by event_id, rebuilt equal; marked ones are gone."""
    pool = await create_pool(migrated_dsn, 2)
    try:
        uow = PostgresUnitOfWorkProvider(pool)
        station = unique("RELAY")
        events = [SessionUpdated(station, "s-1", "7"), SessionEnded(station, "s-1", "7", None, "")]
        for event in events:
            async with uow() as work:
                work.record(event)
        outbox = PostgresEventOutbox(pool)
        pending = [(i, e) for i, e in await outbox.pending(10_000) if e.station_id == station]
        assert [event for _, event in pending] == events
        assert [i for i, _ in pending] == sorted(i for i, _ in pending)
        await outbox.mark_delivered([i for i, _ in pending])
        assert not [e for _, e in await outbox.pending(10_000) if e.station_id == station]
    finally:
        await pool.close()


async def test_metering_round_trip_keeps_exact_energy_and_enums(migrated_dsn: str) -> None:
    """A session's stored metering decision reads back equal (Decimal, enums, meter)."""
    pool = await create_pool(migrated_dsn, 2)
    try:
        uow = PostgresUnitOfWorkProvider(pool)
        station = unique("METERING")
        held = Metering(
            Decimal("12345.678900"),
            EnergySource.SIGNED_METER,
            {"serial": "M-1", "year": 2024, "signed_end": {"value": "12.3456", "unit": "kWh"}},
            ReviewReason.METER_UNVERIFIED,
            "signature_invalid: the end record does not verify",
        )
        plain = Metering(None, EnergySource.CHARGER_REGISTER)
        session = await _add_session(uow, station, evse_id=None)
        async with uow() as work:
            assert await work.metering.of_session(session.session_id) is None
            await work.metering.save(session.session_id, held)
        async with uow() as work:
            stored = await work.metering.of_session(session.session_id)
            assert stored == held
            assert stored is not None
            assert str(stored.energy_wh) == "12345.678900"
            await work.metering.save(session.session_id, plain)  # a correction replaces it
        async with uow() as work:
            assert await work.metering.of_session(session.session_id) == plain
            assert await work.metering.of_session(uuid.uuid4()) is None
    finally:
        await pool.close()


async def test_mail_queue_gives_unsent_mail_oldest_first_and_marks_it_sent(
    migrated_dsn: str,
) -> None:
    """Mail added in a unit of work is unsent until marked; marking twice changes nothing."""
    pool = await create_pool(migrated_dsn, 2)
    try:
        uow = PostgresUnitOfWorkProvider(pool)
        recipient = unique("mail") + "@example.org"
        async with uow() as work:
            await work.mail.add("charging_complete", recipient, "first", "body 1")
            await work.mail.add("charging_complete", recipient, "second", "body 2")
        queue = PostgresMailQueue(pool)
        mine = [m for m in await queue.unsent(10_000) if m[2] == recipient]
        assert [(kind, subject, body) for _, kind, _, subject, body in mine] == [
            ("charging_complete", "first", "body 1"),
            ("charging_complete", "second", "body 2"),
        ]
        await queue.mark_sent([mine[0][0]])
        await queue.mark_sent([mine[0][0]])
        assert [m[3] for m in await queue.unsent(10_000) if m[2] == recipient] == ["second"]
    finally:
        await pool.close()


@pytest.mark.parametrize(
    "bad",
    [
        MeterSample(AT, "Energy\x00Register", Decimal(1), "Wh"),
        MeterSample(AT, "Energy.Active.Import.Register", Decimal(1), "Wh", multiplier=2**40),
    ],
    ids=["server-side", "client-side"],
)
async def test_a_bad_message_in_a_group_commit_fails_alone(
    migrated_dsn: str, bad: MeterSample
) -> None:
    """One message the database refuses: it gets the error, the rest of its batch is stored."""
    import asyncio

    from csms.storage.sample_batcher import PostgresSampleBatcher

    pool = await create_pool(migrated_dsn, 4)
    station = unique("BAD")
    try:
        session = await _add_session(PostgresUnitOfWorkProvider(pool), station, evse_id=1)
        batcher = PostgresSampleBatcher(pool, max_wait_s=0.02)
        messages = _energy_messages(station, 5)
        messages[2] = SampleBatch(station, 1, "7", [bad])
        answers = await asyncio.gather(*(batcher.add(m) for m in messages), return_exceptions=True)
        await batcher.close()
        rows = await _samples_of(pool, station)
        assert [isinstance(a, Exception) for a in answers] == [False, False, True, False, False]
        assert len(rows) == 4
        assert {r["session_id"] for r in rows} == {session.session_id}
    finally:
        await pool.close()
