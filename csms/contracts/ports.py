"""Ports of contracts: the contracts, their readings, and the charger registers a month's
reading can be taken from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from csms.contracts.models import Contract, MonthlyReading
from csms.ports import EventRecorder


class ContractRepository(Protocol):
    async def save(self, contract: Contract) -> bool: ...
    async def get(self, contract_id: str, scope: str | None) -> Contract | None: ...
    async def search(self, place_id: str | None, scope: str | None) -> list[Contract]: ...
    async def billable(self) -> list[Contract]: ...
    async def save_reading(self, reading: MonthlyReading) -> None: ...
    async def readings(self, contract_id: str) -> list[MonthlyReading]: ...
    async def register_at(
        self, station_id: str, evse_id: int | None, at: datetime
    ) -> Decimal | None: ...


class ContractsUnitOfWork(EventRecorder, Protocol):
    contracts: ContractRepository
