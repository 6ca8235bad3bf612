"""OCPP 2.0.1 adapter: one method per action (use cases B01, B05, C01, E01-E15, G01, J01,
L01, M, N01-N10, P01). Wire -> command -> one core call -> answer."""

from __future__ import annotations

from typing import Any

from ocpp.v201 import call_result, enums

from csms.charging import commands as charging_cmd
from csms.handlers.adapter import StationAdapter
from csms.handlers.routing import on
from csms.handlers.v201 import mapping
from csms.handlers.wire.codec import parse_timestamp
from csms.station_commands import commands as operator_cmd
from csms.stations import commands as station_cmd


class ChargePointV201(StationAdapter):
    """Handles the Calls of one 2.0.1 station."""

    @on("BootNotification")
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **_: Any
    ) -> call_result.BootNotification:
        booted = await self._stations.boot(
            station_cmd.BootStation(
                station_id=self.station_id,
                ocpp_version=mapping.VERSION,
                vendor=charging_station["vendor_name"],
                model=charging_station["model"],
                serial_number=charging_station.get("serial_number"),
                firmware_version=charging_station.get("firmware_version"),
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
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> call_result.StatusNotification:
        await self._stations.record_status(
            station_cmd.RecordStatus(
                station_id=self.station_id,
                evse_id=evse_id,
                connector_id=connector_id,
                status=connector_status,
                error_code=None,
                timestamp=parse_timestamp(timestamp),
            )
        )
        return call_result.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> call_result.Authorize:
        result = await self._stations.authorize(self.station_id, mapping.to_token(id_token))
        return call_result.Authorize(id_token_info=mapping.from_authorization(result))

    @on("TransactionEvent")
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        offline: bool = False,
        evse: dict[str, Any] | None = None,
        id_token: dict[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.TransactionEvent:
        recorded = await self._sessions.record_transaction_event(
            mapping.to_transaction_event(
                self.station_id,
                event_type,
                timestamp,
                trigger_reason,
                seq_no,
                transaction_info,
                offline,
                evse,
                id_token,
                meter_value,
            )
        )
        info = recorded.authorization
        return call_result.TransactionEvent(
            id_token_info=mapping.from_authorization(info) if info else None,
            total_cost=recorded.total_cost,  # a Decimal: our encoder writes it exactly
        )

    @on("MeterValues")
    async def on_meter_values(
        self, evse_id: int, meter_value: list[dict[str, Any]], **_: Any
    ) -> call_result.MeterValues:
        await self._sessions.record_meter_values(
            charging_cmd.RecordMeterValues(
                station_id=self.station_id,
                evse_id=evse_id,
                transaction_id=None,  # 2.0.1 MeterValues are outside transactions (J01)
                samples=mapping.to_samples(meter_value),
            )
        )
        return call_result.MeterValues()

    @on("NotifyEvent")
    async def on_notify_event(
        self, generated_at: str, seq_no: int, event_data: list[dict[str, Any]], **extra: Any
    ) -> call_result.NotifyEvent:
        await self._record(
            "NotifyEvent",
            generated_at,
            seq_no=seq_no,
            event_data=event_data,
            tbc=extra.get("tbc", False),
        )
        return call_result.NotifyEvent()

    @on("NotifyReport")
    async def on_notify_report(
        self, request_id: int, generated_at: str, seq_no: int, **extra: Any
    ) -> call_result.NotifyReport:
        await self._record(
            "NotifyReport",
            generated_at,
            request_id=request_id,
            seq_no=seq_no,
            report_data=extra.get("report_data", []),
            tbc=extra.get("tbc", False),
        )
        return call_result.NotifyReport()

    @on("SecurityEventNotification")
    async def on_security_event_notification(
        self, type: str, timestamp: str, tech_info: str | None = None, **_: Any
    ) -> call_result.SecurityEventNotification:
        await self._record("SecurityEventNotification", timestamp, type=type, tech_info=tech_info)
        return call_result.SecurityEventNotification()

    @on("FirmwareStatusNotification")
    async def on_firmware_status_notification(
        self, status: str, request_id: int | None = None, **_: Any
    ) -> call_result.FirmwareStatusNotification:
        await self._record("FirmwareStatusNotification", None, status=status, request_id=request_id)
        return call_result.FirmwareStatusNotification()

    @on("LogStatusNotification")
    async def on_log_status_notification(
        self, status: str, request_id: int | None = None, **_: Any
    ) -> call_result.LogStatusNotification:
        await self._record("LogStatusNotification", None, status=status, request_id=request_id)
        return call_result.LogStatusNotification()

    @on("DataTransfer")
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: Any = None, **_: Any
    ) -> call_result.DataTransfer:
        await self._record(
            "DataTransfer", None, vendor_id=vendor_id, message_id=message_id, data=data
        )
        return call_result.DataTransfer(status=enums.DataTransferStatusEnumType.unknown_vendor_id)

    @staticmethod
    def to_call(command: operator_cmd.StationCommand) -> Any:
        return mapping.to_call(command)
