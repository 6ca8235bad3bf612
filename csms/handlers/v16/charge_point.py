"""OCPP 1.6J adapter: one method per action, wire -> command -> one core call -> answer.

Actions: Core profile (§4.1-§4.10), DataTransfer (§4.3), Firmware and Diagnostics status
notifications (§4.4, §4.5). Unhandled known actions are answered NotSupported by the
RPC layer.
"""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result, enums

from csms.charging import commands as charging_cmd
from csms.handlers.adapter import StationAdapter
from csms.handlers.routing import on
from csms.handlers.v16 import mapping
from csms.handlers.wire.codec import parse_timestamp
from csms.settlement.signed_data import carries_ocmf
from csms.station_commands import commands as operator_cmd
from csms.stations import commands as station_cmd


class ChargePointV16(StationAdapter):
    """Handles the Calls of one 1.6 station."""

    @on("BootNotification")
    async def on_boot_notification(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        charge_point_serial_number: str | None = None,
        charge_box_serial_number: str | None = None,
        firmware_version: str | None = None,
        **_: Any,
    ) -> call_result.BootNotification:
        booted = await self._stations.boot(
            station_cmd.BootStation(
                station_id=self.station_id,
                ocpp_version=mapping.VERSION,
                vendor=charge_point_vendor,
                model=charge_point_model,
                serial_number=charge_point_serial_number or charge_box_serial_number,
                firmware_version=firmware_version,
                received_at=self._clock.now(),
            )
        )
        self._after_boot()
        return mapping.boot_result(booted)

    @on("Heartbeat")
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        await self._stations.heartbeat(self.station_id)
        return mapping.heartbeat_result(self._clock.now())

    @on("StatusNotification")
    async def on_status_notification(
        self,
        connector_id: int,
        error_code: str,
        status: str,
        timestamp: str | None = None,
        **_: Any,
    ) -> call_result.StatusNotification:
        evse_id, connector = mapping.to_evse(connector_id)
        await self._stations.record_status(
            station_cmd.RecordStatus(
                station_id=self.station_id,
                evse_id=evse_id,
                connector_id=connector,
                status=status,
                error_code=None if error_code == "NoError" else error_code,
                timestamp=parse_timestamp(timestamp) if timestamp else self._clock.now(),
            )
        )
        return call_result.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, id_tag: str, **_: Any) -> call_result.Authorize:
        result = await self._stations.authorize(self.station_id, mapping.to_token(id_tag))
        return call_result.Authorize(id_tag_info=mapping.from_authorization(result))

    @on("StartTransaction")
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        recorded = await self._sessions.record_transaction_event(
            mapping.to_started(self.station_id, connector_id, id_tag, meter_start, timestamp)
        )
        return mapping.start_transaction_result(recorded)

    @on("MeterValues")
    async def on_meter_values(
        self,
        connector_id: int,
        meter_value: list[dict[str, Any]],
        transaction_id: int | None = None,
        **_: Any,
    ) -> call_result.MeterValues:
        await self._sessions.record_meter_values(
            charging_cmd.RecordMeterValues(
                station_id=self.station_id,
                evse_id=connector_id,
                transaction_id=str(transaction_id) if transaction_id is not None else None,
                samples=mapping.to_samples(meter_value),
            )
        )
        return call_result.MeterValues()

    @on("StopTransaction")
    async def on_stop_transaction(
        self,
        meter_stop: int,
        timestamp: str,
        transaction_id: int,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.StopTransaction:
        recorded = await self._sessions.record_transaction_event(
            mapping.to_ended(
                self.station_id,
                transaction_id,
                meter_stop,
                timestamp,
                reason,
                id_tag,
                transaction_data,
            )
        )
        info = recorded.authorization
        return call_result.StopTransaction(
            id_tag_info=mapping.from_authorization(info) if info else None
        )

    @on("DataTransfer")
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any
    ) -> call_result.DataTransfer:
        """Signed meter records (OCMF) some DC chargers send this way are kept; others are
        logged as station events and answered UnknownVendorId."""
        if data is not None and carries_ocmf(data):
            await self._sessions.record_signed_data(self.station_id, data, "DataTransfer")
            return call_result.DataTransfer(status=enums.DataTransferStatus.accepted)
        await self._record(
            "DataTransfer", None, vendor_id=vendor_id, message_id=message_id, data=data
        )
        return call_result.DataTransfer(status=enums.DataTransferStatus.unknown_vendor_id)

    @on("FirmwareStatusNotification")
    async def on_firmware_status_notification(
        self, status: str, **_: Any
    ) -> call_result.FirmwareStatusNotification:
        await self._record("FirmwareStatusNotification", None, status=status)
        return call_result.FirmwareStatusNotification()

    @on("DiagnosticsStatusNotification")
    async def on_diagnostics_status_notification(
        self, status: str, **_: Any
    ) -> call_result.DiagnosticsStatusNotification:
        await self._record("DiagnosticsStatusNotification", None, status=status)
        return call_result.DiagnosticsStatusNotification()

    @staticmethod
    def to_call(command: operator_cmd.StationCommand) -> Any:
        return mapping.to_call(command)
