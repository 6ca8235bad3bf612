"""Migrations and repository behaviour on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest

from csms.settlement.models import MeterSample
from csms.storage.migrate import migrate
from csms.storage.postgres import PostgresUnitOfWorkProvider, create_pool
from tests.conftest import unique

AT = datetime(2025, 1, 1, tzinfo=UTC)


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
                await work.sessions.add_samples(station, 1, "tx", None, samples)
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


async def test_sample_batches_store_each_sample_once_linked_to_its_session(
    migrated_dsn: str,
) -> None:
    """Group commit: 40 concurrent messages, replayed twice, give 40 rows linked by session."""
    import asyncio
    import uuid

    from csms.storage.sample_batcher import PostgresSampleBatcher

    pool = await create_pool(migrated_dsn, 4)
    station = unique("BATCH")
    try:
        async with pool.acquire() as conn:
            await conn.execute("INSERT INTO stations (station_id) VALUES ($1)", station)
            session_id = uuid.uuid4()
            await conn.execute(
                "INSERT INTO sessions (session_id, station_id, evse_id, connector_id,"
                " transaction_id, ocpp_version, started_at, state)"
                " VALUES ($1, $2, 1, 1, '7', '1.6', $3, 'active')",
                session_id,
                station,
                AT,
            )
        batcher = PostgresSampleBatcher(pool, max_wait_s=0.005)
        messages = [
            (
                station,
                1,
                "7",
                [
                    MeterSample(
                        AT.replace(minute=i),
                        "Energy.Active.Import.Register",
                        Decimal(f"{1000 + i}.5"),
                        "Wh",
                    )
                ],
            )
            for i in range(40)
        ]
        for _ in range(2):  # the second round is a replay of the same messages
            await asyncio.gather(*(batcher.add(*m) for m in messages))
        await batcher.close()
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT session_id, value FROM meter_samples WHERE station_id = $1", station
            )
        assert len(rows) == 40
        assert {r["session_id"] for r in rows} == {session_id}
        assert sorted(r["value"] for r in rows)[0] == Decimal("1000.5")
    finally:
        await pool.close()
