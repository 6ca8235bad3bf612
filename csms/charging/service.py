"""What a station's adapter calls for charging: the lifecycle and the meter values."""

from __future__ import annotations

from csms.charging.commands import (
    RecordMeterValues,
    RecordTransactionEvent,
    TransactionEventRecorded,
)
from csms.charging.lifecycle import ChargingLifecycle
from csms.charging.meter_values import MeterValues


class SessionService:
    """One entry for the adapters: transaction events and meter values, both versions."""

    def __init__(self, lifecycle: ChargingLifecycle, meter_values: MeterValues) -> None:
        self.lifecycle = lifecycle
        self._meter_values = meter_values

    async def record_transaction_event(
        self, event: RecordTransactionEvent
    ) -> TransactionEventRecorded:
        return await self.lifecycle.record(event)

    async def record_meter_values(self, command: RecordMeterValues) -> None:
        await self._meter_values.record_meter_values(command)

    async def record_signed_data(self, station_id: str, raw: str, carrier: str) -> None:
        await self._meter_values.record_signed_data(station_id, raw, carrier)
