"""Meter values outside the transaction events, and signed records sent on their own.

OCPP 1.6 §4.7 MeterValues and 2.0.1 J01-J02: every sample is kept, linked to its session
when the transaction is known; plain samples are group-committed through the batcher. A
signed record in a 1.6 DataTransfer is kept with the session it names.
"""

from __future__ import annotations

from csms.charging.commands import RecordMeterValues
from csms.charging.ports import ChargingUnitOfWork
from csms.ports import UnitOfWorkProvider
from csms.settlement.ports import SampleBatch, SampleBatcher
from csms.settlement.signed_data import (
    keep_record,
    keep_signed_samples,
    read_record,
    transaction_hint,
)


class MeterValues:
    def __init__(
        self, uow: UnitOfWorkProvider[ChargingUnitOfWork], batcher: SampleBatcher | None = None
    ) -> None:
        self._uow = uow
        self._batcher = batcher

    async def record(self, command: RecordMeterValues) -> None:
        """Keep every sample; link it to its session when the transaction is known."""
        batch = SampleBatch(
            command.station_id, command.evse_id, command.transaction_id, command.samples
        )
        plain = all(sample.plain for sample in command.samples)
        if self._batcher is not None and plain:
            # group commit: the batch links each sample to its session by transaction id
            await self._batcher.add(batch)
            return
        async with self._uow(atomic=False) as uow:  # a lookup and one insert
            session = None
            if command.transaction_id is not None:
                session = await uow.sessions.by_transaction(
                    command.station_id, command.transaction_id
                )
            session_id = session.session_id if session else None
            await uow.samples.add(batch, session_id)
            await keep_signed_samples(
                uow, command.station_id, command.transaction_id, session_id, command.samples
            )

    async def record_signed_data(self, station_id: str, raw: str, carrier: str) -> None:
        """A signed record outside a meter value (1.6 DataTransfer): keep it with the session
        it names (``transactionId`` in a JSON wrapper), else the station's latest session."""
        transaction_id = transaction_hint(raw)
        async with self._uow() as uow:
            session = (
                await uow.sessions.by_transaction(station_id, transaction_id)
                if transaction_id
                else await uow.sessions.latest_of_station(station_id)
            )
            record = read_record(
                raw,
                station_id=station_id,
                transaction_id=session.transaction_id if session else transaction_id,
                session_id=session.session_id if session else None,
                carrier=carrier,
            )
            await keep_record(uow, record)
