"""A charge point speaking OCPP 1.6J: one method per message (1.6 §4) and per Call (§5)."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from simulators.calls import ChargingCalls, ReservationCalls
from simulators.charging_profiles import ProfileCriteria
from simulators.client import Answer
from simulators.composite_schedule import answer_16
from simulators.display import COST_VENDOR, from_cost_message
from simulators.reservations import SimReservation
from simulators.state import Transaction, iso
from simulators.wire import answers

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"


class V16(ReservationCalls, ChargingCalls):
    """The 1.6 wire side of a simulated station."""

    subprotocol = "ocpp1.6"

    list_version_key = "listVersion"
    profile_connector_key = "connectorId"
    profile_key = "csChargingProfiles"
    profile_id_key = "chargingProfileId"
    stack_level_key = "ChargeProfileMaxStackLevel"
    default_rate_unit = "A"
    replaces_same_stack = True
    integer_transaction_ids = True
    composite_answer = staticmethod(answer_16)

    @staticmethod
    def local_list_entry(entry: dict[str, Any]) -> tuple[str, str | None]:
        """A local list entry as (card, status); no idTagInfo means remove the card."""
        return entry["idTag"], (entry.get("idTagInfo") or {}).get("status")

    async def boot(self) -> dict[str, Any]:
        """BootNotification (1.6 §4.2)."""
        profile = self.state.profile
        message = call.BootNotification(
            charge_point_vendor=profile.vendor,
            charge_point_model=profile.model,
            charge_point_serial_number=f"SN-{self.state.station_id}"[:25],
            firmware_version="sim-1.0",
        )
        return await self.send("BootNotification", message)

    async def heartbeat(self) -> dict[str, Any]:
        """Heartbeat (1.6 §4.6)."""
        return await self.send("Heartbeat", call.Heartbeat())

    async def status(self, connector: int, status: str) -> dict[str, Any]:
        """StatusNotification (1.6 §4.9)."""
        message = call.StatusNotification(
            connector_id=connector,
            error_code="NoError",
            status=status,
            timestamp=iso(self.state.clock.now()),
        )
        return await self.send("StatusNotification", message)

    async def authorize(self, id_tag: str, token_type: str = "ISO14443") -> str:
        """Authorize (1.6 §4.1); 1.6 has no token type, so ``token_type`` is not sent."""
        answer = await self.send("Authorize", call.Authorize(id_tag=id_tag))
        return str(answer["idTagInfo"]["status"])

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        token_type: str,
        remote_start_id: int | None,
        *,
        reservation_id: int | None = None,
    ) -> Transaction:
        """StartTransaction (1.6 §4.8) with the reservation it uses (§5.13); the central
        system gives the transaction id."""
        tx = self.state.begin(connector, id_tag, token_type, remote_start_id)
        tx.reservation_id = self.state.take_reservation(connector, id_tag, reservation_id)
        message = call.StartTransaction(
            connector_id=connector,
            id_tag=id_tag,
            meter_start=tx.meter_start_wh,
            timestamp=iso(self.state.clock.now()),
            reservation_id=tx.reservation_id,
        )
        answer = await self.send("StartTransaction", message)
        tx.transaction_id = str(answer["transactionId"])
        tx.id_tag_status = str(answer["idTagInfo"]["status"])
        return tx

    async def meter_values(self, tx: Transaction) -> dict[str, Any]:
        """MeterValues (1.6 §4.7): the register, sampled periodically."""
        message = call.MeterValues(
            connector_id=tx.connector,
            transaction_id=int(tx.transaction_id),
            meter_value=[self._sample("Sample.Periodic", tx.connector)],
        )
        return await self.send("MeterValues", message)

    async def stop_transaction(self, tx: Transaction, reason: str = "Local") -> dict[str, Any]:
        """StopTransaction (1.6 §4.10), the DCBM's record as SignedData transactionData."""
        signed = self.state.signed_record(tx)
        data = [self._sample("Transaction.End", tx.connector)]
        if signed is not None:
            data.append(self._signed_sample(signed))
        message = self._stop(tx, reason, id_tag=tx.id_tag, transaction_data=data)
        return await self.send("StopTransaction", message)

    def stop_message(self, tx: Transaction, reason: str = "Local") -> tuple[str, Any]:
        """StopTransaction without idTag or transactionData, not sent (tests replay it)."""
        return "StopTransaction", self._stop(tx, reason)

    def _stop(self, tx: Transaction, reason: str, **optional: Any) -> call.StopTransaction:
        return call.StopTransaction(
            meter_stop=self.state.register(tx.connector),
            timestamp=iso(self.state.clock.now()),
            transaction_id=int(tx.transaction_id),
            reason=reason,
            **optional,
        )

    def _sample(self, context: str, connector: int) -> dict[str, Any]:
        """One MeterValue with the register in Wh (1.6 §7.31 SampledValue); a periodic one
        also has the power of the last step in W when profiles or an EV maximum shaped it."""
        sampled = [
            {
                "value": str(self.state.register(connector)),
                "context": context,
                "measurand": ENERGY,
                "location": "Outlet",
                "unit": "Wh",
            }
        ]
        power = self.state.delivered_w.get(connector)
        if context == "Sample.Periodic" and power is not None:
            sampled.append(
                {"value": str(power), "context": context, "measurand": POWER, "unit": "W"}
            )
        return {"timestamp": iso(self.state.clock.now()), "sampledValue": sampled}

    def _signed_sample(self, record: str) -> dict[str, Any]:
        """1.6 has no signed meter value type: the OCMF text as a SignedData value."""
        return {
            "timestamp": iso(self.state.clock.now()),
            "sampledValue": [
                {
                    "value": record,
                    "format": "SignedData",
                    "context": "Transaction.End",
                    "measurand": ENERGY,
                }
            ],
        }

    @staticmethod
    def reservation(payload: dict[str, Any]) -> SimReservation:
        """ReserveNow (1.6 §5.13): connectorId (0 = any), idTag, parentIdTag, expiryDate."""
        return SimReservation(
            payload["reservationId"],
            payload["connectorId"],
            payload["idTag"],
            payload["expiryDate"],
            payload.get("parentIdTag"),
        )

    @staticmethod
    def clear_criteria(payload: dict[str, Any]) -> ProfileCriteria:
        """ClearChargingProfile (1.6 §5.5): id, or connectorId, purpose and stackLevel."""
        return ProfileCriteria(
            payload.get("id"),
            payload.get("connectorId"),
            payload.get("chargingProfilePurpose"),
            payload.get("stackLevel"),
        )

    @answers("DataTransfer")
    async def on_data_transfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        """DataTransfer (1.6 §5.6): the OCA California Pricing messages (vendor ``costmsg``:
        SetUserPrice, RunningCost, FinalCost) go on the screen; others are echoed."""
        if payload.get("vendorId") != COST_VENDOR:
            return await super().on_data_transfer(payload)
        try:
            shown = from_cost_message(payload.get("messageId", ""), payload.get("data"))
        except ValueError:  # data that is no JSON object: firmware cannot show it
            return await self.reply({"status": "Rejected"})
        if shown is None:
            return await super().on_data_transfer(payload)
        self.state.show(shown)
        return await self.reply({"status": "Accepted"})

    @answers("GetConfiguration")
    async def on_get_configuration(self, payload: dict[str, Any]) -> dict[str, Any]:
        """GetConfiguration (1.6 §5.8): the asked keys (all without ``key``), unknown apart;
        ChargeProfileMaxStackLevel is read-only while ``max_stack_level`` sets it."""
        configuration = self.configuration()
        locked = {self.stack_level_key} if self.state.max_stack_level is not None else set()
        keys = payload.get("key") or list(configuration)
        known = [
            {"key": k, "readonly": k in locked, "value": configuration[k]}
            for k in keys
            if k in configuration
        ]
        unknown = [k for k in keys if k not in configuration]
        answer: dict[str, Any] = {"configurationKey": known}
        if unknown:
            answer["unknownKey"] = unknown
        return await self.reply(answer)

    @answers("ChangeConfiguration")
    async def on_change_configuration(self, payload: dict[str, Any]) -> dict[str, Any]:
        """ChangeConfiguration (1.6 §5.3): any key is accepted and kept, but a stack level
        limit the station has (``max_stack_level``) is read-only: Rejected."""
        if payload["key"] == self.stack_level_key and self.state.max_stack_level is not None:
            return await self.reply({"status": "Rejected"})
        self.state.configuration[payload["key"]] = payload["value"]
        return await self.reply({"status": "Accepted"})

    @answers("RemoteStartTransaction")
    async def on_remote_start_transaction(self, payload: dict[str, Any]) -> Answer:
        """RemoteStartTransaction (1.6 §5.11): accepted, then StartTransaction."""
        return self.start_remotely(
            payload.get("connectorId", 1), payload["idTag"], "ISO14443", None
        )

    @answers("RemoteStopTransaction")
    async def on_remote_stop_transaction(self, payload: dict[str, Any]) -> Answer:
        """RemoteStopTransaction (1.6 §5.12): accepted for an open session, which then ends."""
        return await self.stop_remotely(payload)

    @answers("UpdateFirmware")
    async def on_update_firmware(self, payload: dict[str, Any]) -> Answer:
        """UpdateFirmware (1.6 §5.19): an empty answer, then the download and installation."""

        async def install() -> None:
            steps = ["Downloading", "Downloaded", "Installing", "Installed"]
            await self.notify("FirmwareStatusNotification", steps)

        return await self.reply({}), install

    @answers("GetDiagnostics")
    async def on_get_diagnostics(self, payload: dict[str, Any]) -> Answer:
        """GetDiagnostics (1.6 §5.9): the file's name, then the upload."""

        async def upload() -> None:
            await self.notify("DiagnosticsStatusNotification", ["Uploading", "Uploaded"])

        return await self.reply({"fileName": f"diagnostics-{self.state.station_id}.log"}), upload
