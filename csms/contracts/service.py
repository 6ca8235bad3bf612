"""Contracts as an operator manages them (seed 003, 001): add or change one, terminate it,
record the space's hand-back, and the month's readings — imported (CSV, API) or taken from
the charger's own register at the JST month's bounds.

One contract per place of use (001) is held by the database (409 on a second one). A reading
is kWh as read (no rounding, 003), closing never below opening.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Final

from csms.billing.pricer import JST
from csms.billing.rounding import add_months_clamped
from csms.contracts.models import Contract, MonthlyReading
from csms.contracts.ports import ContractsUnitOfWork
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider

MAX_IMPORT_ROWS: Final = 10_000


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The JST month ``YYYY-MM`` as [start, end) instants."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(f"a month is YYYY-MM, not {month!r}") from None
    start = datetime.combine(first, time(0), JST)
    return start, datetime.combine(add_months_clamped(first, 1), time(0), JST)


def reading_of(
    contract_id: str, month: str, opening: str, closing: str, source: str
) -> MonthlyReading:
    """A reading from text, checked: exact decimals, closing at or above opening."""
    month_bounds(month)
    try:
        start, end = Decimal(opening), Decimal(closing)
    except InvalidOperation:
        raise InvalidInput("readings are decimal numbers of kWh") from None
    if not (start.is_finite() and end.is_finite()) or start < 0:
        raise InvalidInput("readings are finite and not negative")
    if end < start:
        raise InvalidInput(f"{contract_id} {month}: closing {end} is below opening {start}")
    return MonthlyReading(contract_id, month, start, end, source)


class ContractService:
    def __init__(self, uow: UnitOfWorkProvider[ContractsUnitOfWork]) -> None:
        self._uow = uow

    async def save(self, contract: Contract, scope: str | None) -> bool:
        """Add (True) or change a contract within the caller's operator."""
        if scope is not None and contract.operator_id not in (None, scope):
            raise NotFound(f"no operator {contract.operator_id!r}")
        contract = replace(contract, operator_id=contract.operator_id or scope)
        async with self._uow() as uow:
            current = await uow.contracts.get(contract.contract_id, None)
            if current is not None and scope is not None and current.operator_id != scope:
                raise NotFound(f"no contract {contract.contract_id!r}")
            return await uow.contracts.save(contract)

    async def get(self, contract_id: str, scope: str | None) -> Contract:
        async with self._uow() as uow:
            found = await uow.contracts.get(contract_id, scope)
        if found is None:
            raise NotFound(f"no contract {contract_id!r}")
        return found

    async def search(self, place_id: str | None, scope: str | None) -> list[Contract]:
        async with self._uow() as uow:
            return await uow.contracts.search(place_id, scope)

    async def terminate(
        self, contract_id: str, on: date, handed_back_on: date | None, scope: str | None
    ) -> Contract:
        """End the contract on ``on`` (第16条2 applies in the first term); the space's
        hand-back may come later (第19条5: damages until then)."""
        contract = await self.get(contract_id, scope)
        if on < contract.start_date:
            raise InvalidInput("the termination date is before the start date")
        if handed_back_on is not None and handed_back_on < on:
            raise InvalidInput("the space is handed back on or after the termination date")
        ended = replace(contract, terminated_on=on, handed_back_on=handed_back_on)
        async with self._uow() as uow:
            await uow.contracts.save(ended)
        return ended

    async def record_reading(self, reading: MonthlyReading, scope: str | None) -> MonthlyReading:
        await self.get(reading.contract_id, scope)
        async with self._uow() as uow:
            await uow.contracts.save_reading(reading)
        return reading

    async def import_readings(self, text: str, scope: str | None) -> int:
        """``contract_id,month,opening_kwh,closing_kwh`` rows (a header line is optional);
        all or nothing: a bad row names its line and nothing is stored."""
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(cell.strip() for cell in r)]
        if rows and rows[0][0].strip() == "contract_id":
            rows = rows[1:]
        if len(rows) > MAX_IMPORT_ROWS:
            raise InvalidInput(f"at most {MAX_IMPORT_ROWS} rows per import")
        readings = []
        for line, row in enumerate(rows, start=1):
            if len(row) != 4:
                raise InvalidInput(
                    f"row {line}: expected contract_id,month,opening_kwh,closing_kwh"
                )
            contract_id, month, opening, closing = (cell.strip() for cell in row)
            try:
                readings.append(reading_of(contract_id, month, opening, closing, "import"))
            except InvalidInput as exc:
                raise InvalidInput(f"row {line}: {exc}") from None
        async with self._uow() as uow:
            for reading in readings:
                if await uow.contracts.get(reading.contract_id, scope) is None:
                    raise NotFound(f"no contract {reading.contract_id!r}")
                await uow.contracts.save_reading(reading)
        return len(readings)

    async def reading_from_charger(
        self, contract_id: str, month: str, scope: str | None
    ) -> MonthlyReading:
        """The month's reading from the contract's charger: its energy register at the JST
        month's start and end (the last reading before each)."""
        contract = await self.get(contract_id, scope)
        if contract.station_id is None:
            raise Conflict("the contract names no charger to read")
        start, end = month_bounds(month)
        async with self._uow() as uow:
            opening = await uow.contracts.register_at(contract.station_id, contract.evse_id, start)
            closing = await uow.contracts.register_at(contract.station_id, contract.evse_id, end)
            if opening is None or closing is None:
                raise Conflict(f"the charger has no register readings around {month}")
            reading = MonthlyReading(contract_id, month, opening / 1000, closing / 1000, "charger")
            if reading.closing_kwh < reading.opening_kwh:
                raise Conflict("the charger's register went backwards in that month")
            await uow.contracts.save_reading(reading)
        return reading
