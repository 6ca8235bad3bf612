"""OCPP 2.0.1 adapter: one method per action (use cases B01, B05, C01, E01-E15, G01, J01,
L01, M, N01-N10, P01). Wire -> command -> one core call -> answer."""

from __future__ import annotations

import functools
from typing import Any

from ocpp.v201 import call_result, enums

from csms.charging.commands import TransactionEventKind
from csms.handlers.adapter import StationAdapter, handles, keeps
from csms.handlers.v201 import calls, mapping
from csms.station_commands import commands as operator_cmd


class ChargePointV201(StationAdapter):
    """Handles the Calls of one 2.0.1 station."""

    version = mapping.VERSION
    heartbeat_answer = call_result.Heartbeat

    @handles("BootNotification")
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **_: Any
    ) -> call_result.BootNotification:
        booted = await self._boot(
            charging_station["vendor_name"],
            charging_station["model"],
            charging_station.get("serial_number"),
            charging_station.get("firmware_version"),
            reason,
        )
        return mapping.boot_result(booted)

    @handles("StatusNotification")
    async def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> call_result.StatusNotification:
        await self._status(evse_id, connector_id, connector_status, None, timestamp)
        return call_result.StatusNotification()

    @handles("Authorize")
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> call_result.Authorize:
        result = await self._stations.authorize(self.station_id, mapping.to_token(id_token))
        return call_result.Authorize(id_token_info=mapping.from_authorization(result))

    @handles("TransactionEvent")
    async def on_transaction_event(self, **fields: Any) -> call_result.TransactionEvent:
        event = mapping.to_transaction_event(self.station_id, **fields)
        recorded = await self._lifecycle.record(event)
        message = None
        if event.kind is TransactionEventKind.ENDED and self._prices is not None:
            self._prices.forget(self.station_id, event.transaction_id or "")
        if recorded.total_cost is not None and self._prices is not None:  # I03: the final cost
            message = await self._prices.final_message(self.station_id, recorded.total_cost)
        elif event.kind is not TransactionEventKind.ENDED and event.transaction_id:
            self._show_running_cost(event.transaction_id, event.samples)  # I02, per interval
        return mapping.transaction_event_result(recorded, message)

    @handles("ReservationStatusUpdate")
    async def on_reservation_status_update(
        self, reservation_id: int, reservation_update_status: str, **_: Any
    ) -> call_result.ReservationStatusUpdate:
        """H04: the station no longer holds a reservation (Expired, Removed); reconciled
        with the server's own state (``reservations.reconcile``)."""
        if self._reservations is not None:
            await self._reservations.station_dropped(
                self.station_id, reservation_id, reservation_update_status
            )
        return call_result.ReservationStatusUpdate()

    @handles("MeterValues")
    async def on_meter_values(self, **fields: Any) -> call_result.MeterValues:
        await self._meter_values.record(mapping.to_meter_values(self.station_id, **fields))
        return call_result.MeterValues()

    # notifications only kept as station events (N07, B07, A04, L01, N01, P01)
    on_notify_event = keeps(
        "NotifyEvent",
        call_result.NotifyEvent,
        "seq_no",
        "event_data",
        occurred_at="generated_at",
        tbc=False,
    )
    on_notify_report = keeps(
        "NotifyReport",
        call_result.NotifyReport,
        "request_id",
        "seq_no",
        occurred_at="generated_at",
        report_data=[],
        tbc=False,
    )
    on_security_event_notification = keeps(
        "SecurityEventNotification",
        call_result.SecurityEventNotification,
        "type",
        occurred_at="timestamp",
        tech_info=None,
    )
    on_firmware_status_notification = keeps(
        "FirmwareStatusNotification",
        call_result.FirmwareStatusNotification,
        "status",
        request_id=None,
    )
    on_log_status_notification = keeps(
        "LogStatusNotification", call_result.LogStatusNotification, "status", request_id=None
    )
    on_data_transfer = keeps(
        "DataTransfer",
        functools.partial(
            call_result.DataTransfer, status=enums.DataTransferStatusEnumType.unknown_vendor_id
        ),
        "vendor_id",
        message_id=None,
        data=None,
    )

    @staticmethod
    def to_call(command: operator_cmd.StationCommand) -> Any:
        return calls.to_call(command)
