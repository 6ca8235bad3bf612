"""OCPP 1.6J adapter: one method per action, wire -> command -> one core call -> answer.

Actions: Core profile (§4.1-§4.10), DataTransfer (§4.3), Firmware and Diagnostics status
notifications (§4.4, §4.5). Unhandled known actions are answered NotSupported by the
RPC layer.
"""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result, enums

from csms.handlers.adapter import StationAdapter, handles, keeps
from csms.handlers.v16 import mapping
from csms.settlement.signed_data import carries_ocmf
from csms.station_commands import commands as operator_cmd


class ChargePointV16(StationAdapter):
    """Handles the Calls of one 1.6 station."""

    version = mapping.VERSION
    heartbeat_answer = call_result.Heartbeat

    @handles("BootNotification")
    async def on_boot_notification(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        charge_point_serial_number: str | None = None,
        charge_box_serial_number: str | None = None,
        firmware_version: str | None = None,
        **_: Any,
    ) -> call_result.BootNotification:
        serial_number = charge_point_serial_number or charge_box_serial_number
        booted = await self._boot(
            charge_point_vendor, charge_point_model, serial_number, firmware_version
        )
        return mapping.boot_result(booted)

    @handles("StatusNotification")
    async def on_status_notification(
        self,
        connector_id: int,
        error_code: str,
        status: str,
        timestamp: str | None = None,
        **_: Any,
    ) -> call_result.StatusNotification:
        evse_id, connector = mapping.to_evse(connector_id)
        error = None if error_code == "NoError" else error_code
        await self._status(evse_id, connector, status, error, timestamp)
        return call_result.StatusNotification()

    @handles("Authorize")
    async def on_authorize(self, id_tag: str, **_: Any) -> call_result.Authorize:
        result = await self._stations.authorize(self.station_id, mapping.to_token(id_tag))
        return call_result.Authorize(id_tag_info=mapping.from_authorization(result))

    @handles("StartTransaction")
    async def on_start_transaction(self, **fields: Any) -> call_result.StartTransaction:
        recorded = await self._lifecycle.record(mapping.to_started(self.station_id, **fields))
        started, id_tag = recorded.transaction_id, fields["id_tag"]
        if started is not None:  # 1.6 costmsg SetUserPrice
            self._show_price(lambda p: p.started(self.station_id, self.version, started, id_tag))
        return mapping.start_transaction_result(recorded)

    @handles("MeterValues")
    async def on_meter_values(self, **fields: Any) -> call_result.MeterValues:
        command = mapping.to_meter_values(self.station_id, **fields)
        await self._meter_values.record(command)
        if command.transaction_id is not None:  # 1.6 costmsg RunningCost
            self._show_running_cost(command.transaction_id, command.samples)
        return call_result.MeterValues()

    @handles("StopTransaction")
    async def on_stop_transaction(self, **fields: Any) -> call_result.StopTransaction:
        recorded = await self._lifecycle.record(mapping.to_ended(self.station_id, **fields))
        total, stopped = recorded.total_cost, str(fields["transaction_id"])
        if total is not None:  # 1.6 costmsg FinalCost: the statement's total
            self._show_price(lambda p: p.ended(self.station_id, self.version, stopped, total))
        elif self._prices is not None:
            self._prices.forget(self.station_id, stopped)
        return mapping.stop_transaction_result(recorded)

    @handles("DataTransfer")
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any
    ) -> call_result.DataTransfer:
        """Signed meter records (OCMF) some DC chargers send this way are kept; others are
        logged as station events and answered UnknownVendorId."""
        if data is not None and carries_ocmf(data):
            await self._meter_values.record_signed_data(self.station_id, data, "DataTransfer")
            return call_result.DataTransfer(status=enums.DataTransferStatus.accepted)
        await self._record(
            "DataTransfer", None, vendor_id=vendor_id, message_id=message_id, data=data
        )
        return call_result.DataTransfer(status=enums.DataTransferStatus.unknown_vendor_id)

    # notifications only kept as station events (§4.4, §4.5)
    on_firmware_status_notification = keeps(
        "FirmwareStatusNotification", call_result.FirmwareStatusNotification, "status"
    )
    on_diagnostics_status_notification = keeps(
        "DiagnosticsStatusNotification", call_result.DiagnosticsStatusNotification, "status"
    )

    @staticmethod
    def to_call(command: operator_cmd.StationCommand) -> Any:
        return mapping.to_call(command)
