"""Contracts and their monthly readings (migration 016); a charger's energy register at a
moment (a month's reading taken from the charger)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import asyncpg

from csms.contracts.models import Contract, ContractMeter, MonthlyReading
from csms.errors import Conflict
from csms.storage.base import Repository

_COLUMNS: Final = (
    "contract_id, operator_id, customer_id, customer_name, email, place_id, parking_space,"
    " plan_id, start_date, station_id, evse_id, meter_serial, meter_maker, meter_model,"
    " meter_year, parent_meter, no_renewal_notice_on, terminated_on, handed_back_on"
)
UPSERT: Final = f"""
INSERT INTO contracts ({_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (contract_id) DO UPDATE SET
    customer_id = excluded.customer_id, customer_name = excluded.customer_name,
    email = excluded.email, place_id = excluded.place_id,
    parking_space = excluded.parking_space, plan_id = excluded.plan_id,
    start_date = excluded.start_date, station_id = excluded.station_id,
    evse_id = excluded.evse_id, meter_serial = excluded.meter_serial,
    meter_maker = excluded.meter_maker, meter_model = excluded.meter_model,
    meter_year = excluded.meter_year, parent_meter = excluded.parent_meter,
    no_renewal_notice_on = excluded.no_renewal_notice_on,
    terminated_on = excluded.terminated_on, handed_back_on = excluded.handed_back_on,
    updated_at = now()
RETURNING (xmax = 0) AS created"""  # noqa: S608 (a constant column list)
SAVE_READING: Final = """
INSERT INTO contract_readings (contract_id, month, opening_kwh, closing_kwh, source)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (contract_id, month) DO UPDATE SET opening_kwh = excluded.opening_kwh,
    closing_kwh = excluded.closing_kwh, source = excluded.source, recorded_at = now()"""
REGISTER_AT: Final = """
SELECT value * power(10::numeric, multiplier) * CASE WHEN unit = 'kWh' THEN 1000 ELSE 1 END
FROM meter_samples
WHERE station_id = $1 AND ($2::integer IS NULL OR evse_id = $2)
  AND measurand = 'Energy.Active.Import.Register' AND phase IS NULL AND sampled_at <= $3
ORDER BY sampled_at DESC LIMIT 1"""


class PostgresContractRepository(Repository):
    __slots__ = ()

    async def save(self, contract: Contract) -> bool:
        meter = contract.meter
        try:
            created = await self._conn.fetchval(
                UPSERT,
                contract.contract_id,
                contract.operator_id,
                contract.customer_id,
                contract.customer_name,
                contract.email,
                contract.place_id,
                contract.parking_space,
                contract.plan_id,
                contract.start_date,
                contract.station_id,
                contract.evse_id,
                meter.serial if meter else None,
                meter.maker if meter else None,
                meter.model if meter else None,
                meter.year if meter else None,
                meter.parent_meter if meter else False,
                contract.no_renewal_notice_on,
                contract.terminated_on,
                contract.handed_back_on,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(
                f"the place {contract.place_id!r} already has a running contract"
            ) from exc
        return bool(created)

    async def get(self, contract_id: str, scope: str | None) -> Contract | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM contracts WHERE contract_id = $1"
            " AND ($2::text IS NULL OR operator_id = $2)",
            contract_id,
            scope,
        )
        return _contract(row) if row is not None else None

    async def search(self, place_id: str | None, scope: str | None) -> list[Contract]:
        rows = await self._conn.fetch(
            "SELECT * FROM contracts WHERE ($1::text IS NULL OR place_id = $1)"
            " AND ($2::text IS NULL OR operator_id = $2) ORDER BY created_at DESC LIMIT 500",
            place_id,
            scope,
        )
        return [_contract(row) for row in rows]

    async def billable(self) -> list[Contract]:
        """Every contract the invoice scheduler looks at: all but those handed back more
        than two years ago."""
        rows = await self._conn.fetch(
            "SELECT * FROM contracts WHERE handed_back_on IS NULL"
            " OR handed_back_on > now() - interval '2 years' ORDER BY contract_id"
        )
        return [_contract(row) for row in rows]

    async def save_reading(self, reading: MonthlyReading) -> None:
        await self._conn.execute(
            SAVE_READING,
            reading.contract_id,
            reading.month,
            reading.opening_kwh,
            reading.closing_kwh,
            reading.source,
        )

    async def readings(self, contract_id: str) -> list[MonthlyReading]:
        rows = await self._conn.fetch(
            "SELECT contract_id, month, opening_kwh, closing_kwh, source FROM contract_readings"
            " WHERE contract_id = $1 ORDER BY month",
            contract_id,
        )
        return [MonthlyReading(**dict(row)) for row in rows]

    async def register_at(
        self, station_id: str, evse_id: int | None, at: datetime
    ) -> Decimal | None:
        found: Decimal | None = await self._conn.fetchval(REGISTER_AT, station_id, evse_id, at)
        return Decimal(found) if found is not None else None


def _contract(row: Any) -> Contract:
    meter = None
    if row["meter_serial"] is not None:
        meter = ContractMeter(
            row["meter_serial"],
            row["meter_maker"],
            row["meter_model"],
            row["meter_year"],
            row["parent_meter"],
        )
    return Contract(
        contract_id=row["contract_id"],
        operator_id=row["operator_id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        place_id=row["place_id"],
        plan_id=row["plan_id"],
        start_date=row["start_date"],
        email=row["email"],
        parking_space=row["parking_space"],
        station_id=row["station_id"],
        evse_id=row["evse_id"],
        meter=meter,
        no_renewal_notice_on=row["no_renewal_notice_on"],
        terminated_on=row["terminated_on"],
        handed_back_on=row["handed_back_on"],
        created_at=row["created_at"],
    )
