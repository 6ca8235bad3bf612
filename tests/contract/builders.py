"""Rows the contract tests need, with random ids (the PostgreSQL database is shared)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from csms.billing.pricer import Line
from csms.charging.models import Session, SessionState
from csms.settlement.models import Statement, StatementStatus
from tests.conftest import unique
from tests.contract.conftest import Provider

AT = datetime(2025, 1, 1, tzinfo=UTC)
JST = timezone(timedelta(hours=9))


async def new_station(uow_provider: Provider, prefix: str = "ST") -> str:
    station_id = unique(prefix)
    async with uow_provider() as uow:
        assert await uow.stations.add(station_id, None)
    return station_id


def session_of(station_id: str, **fields: Any) -> Session:
    """An active 2.0.1 session on EVSE 1 with a fresh id and transaction id."""
    values: dict[str, Any] = {
        "session_id": uuid.uuid4(),
        "station_id": station_id,
        "evse_id": 1,
        "connector_id": 1,
        "transaction_id": unique("TX"),
        "ocpp_version": "2.0.1",
        "id_token": None,
        "token_kind": None,
        "authorization_status": None,
        "started_at": AT,
        "stopped_at": None,
        "meter_start_wh": None,
        "meter_stop_wh": None,
        "energy_wh": None,
        "stop_reason": None,
        "state": SessionState.ACTIVE,
    }
    values.update(fields)
    return Session(**values)


async def new_session(
    uow_provider: Provider, station_id: str | None = None, **fields: Any
) -> Session:
    """A stored session (on a new station unless one is given)."""
    if station_id is None:
        station_id = await new_station(uow_provider)
    session = session_of(station_id, **fields)
    async with uow_provider() as uow:
        await uow.sessions.insert(session, None)
    return session


def statement_of(session_id: uuid.UUID, **fields: Any) -> Statement:
    """An issued statement of 264 yen (one line), an original unless ``corrects`` is given."""
    values: dict[str, Any] = {
        "statement_id": uuid.uuid4(),
        "session_id": session_id,
        "status": StatementStatus.ISSUED,
        "tariff_id": "emp-normal",
        "tariff_version": "2024-04",
        "currency": "JPY",
        "lines": (Line("time", Decimal("15"), "min", Decimal("8.80"), Decimal("132.00")),),
        "total": Decimal("264"),
        "tax_included": Decimal("24"),
        "tax_rate_percent": Decimal("10"),
        "waiver": None,
        "unpriced_reason": None,
        "inputs": {"energy_wh": "1500.50"},
    }
    values.update(fields)
    return Statement(**values)
