"""Sessions and statements written straight into the database, for the list and export tests.

``db`` is the ``db`` fixture's connection (its jsonb codec takes Python values).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import asyncpg

CARD = "CARD0123456789"  # a viewer sees CARD********89
LINE_KEYS = ("kind", "quantity", "unit", "unit_price", "amount")


async def add_station(db: asyncpg.Connection, station_id: str, operator_id: str | None) -> None:
    if operator_id is not None:
        await db.execute(
            "INSERT INTO operators (operator_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING",
            operator_id,
        )
    await db.execute(
        "INSERT INTO stations (station_id, operator_id) VALUES ($1, $2)", station_id, operator_id
    )


async def add_session(
    db: asyncpg.Connection,
    station_id: str,
    started_at: datetime,
    *,
    id_token: str = CARD,
    state: str = "completed",
) -> uuid.UUID:
    session_id = uuid.uuid4()
    await db.execute(
        "INSERT INTO sessions (session_id, station_id, evse_id, connector_id, transaction_id,"
        " ocpp_version, id_token, started_at, stopped_at, state, energy_wh)"
        " VALUES ($1, $2, 1, 1, $3, '2.0.1', $4, $5, $6, $7, 1500)",
        session_id,
        station_id,
        session_id.hex,
        id_token,
        started_at,
        started_at if state == "completed" else None,
        state,
    )
    return session_id


async def add_statement(
    db: asyncpg.Connection,
    session_id: uuid.UUID,
    issued_at: datetime,
    lines: list[tuple[str, str, str, str, str]],
) -> uuid.UUID:
    """An issued statement of ``lines`` (kind, quantity, unit, unit price, amount)."""
    statement_id = uuid.uuid4()
    total = sum((Decimal(line[4]) for line in lines), Decimal(0))
    await db.execute(
        "INSERT INTO statements (statement_id, session_id, status, tariff_id, tariff_version,"
        " lines, total, tax_included, tax_rate_percent, inputs, issued_at)"
        " VALUES ($1, $2, $3, 'emp-normal', '2025-01', $4::jsonb, $5, $6, 10, $7::jsonb, $8)",
        statement_id,
        session_id,
        "issued" if lines else "unpriced",
        [dict(zip(LINE_KEYS, line, strict=True)) for line in lines],
        total if lines else None,
        (total / 11).quantize(Decimal(1)) if lines else None,
        {"energy_wh": "1500", "energy_source": "charger_register"},
        issued_at,
    )
    return statement_id
