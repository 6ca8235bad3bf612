"""What a station's adapter calls for charging: the lifecycle and the meter values."""

from __future__ import annotations

from csms.authorization.rule import AuthorizationPolicy
from csms.charging.commands import (
    RecordMeterValues,
    RecordTransactionEvent,
    TransactionEventRecorded,
)
from csms.charging.lifecycle import ChargingLifecycle
from csms.charging.meter_values import MeterValues
from csms.charging.ports import ChargingUnitOfWork
from csms.clock import Clock
from csms.ports import UnitOfWorkProvider
from csms.settlement.ports import SampleBatcher
from csms.settlement.tariffs import TariffCatalog


class SessionService:
    """One entry for the adapters: transaction events and meter values, both versions."""

    def __init__(
        self,
        uow: UnitOfWorkProvider[ChargingUnitOfWork],
        clock: Clock,
        catalog: TariffCatalog,
        policy: AuthorizationPolicy | None = None,
        batcher: SampleBatcher | None = None,
    ) -> None:
        self.lifecycle = ChargingLifecycle(uow, clock, catalog, policy)
        self._meter_values = MeterValues(uow, batcher)

    async def record_transaction_event(
        self, event: RecordTransactionEvent
    ) -> TransactionEventRecorded:
        return await self.lifecycle.record(event)

    async def record_meter_values(self, command: RecordMeterValues) -> None:
        await self._meter_values.record_meter_values(command)

    async def record_signed_data(self, station_id: str, raw: str, carrier: str) -> None:
        await self._meter_values.record_signed_data(station_id, raw, carrier)
