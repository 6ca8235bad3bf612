"""A charging station speaking OCPP 2.0.1: one method per message and per CSMS Call.

Sessions are TransactionEvents (E01-E07, J02): Started, Updated and Ended share one
builder, ``event``, which numbers them with the transaction's ``seqNo``.
"""

from __future__ import annotations

import uuid
from typing import Any

from ocpp.v201 import call

from simulators.calls import ChargingCalls, ReservationCalls
from simulators.charging_profiles import ProfileCriteria
from simulators.client import Answer
from simulators.composite_schedule import answer_201
from simulators.display import Displayed, cost_string, from_transaction_answer
from simulators.profile_reports import ProfileReports
from simulators.reservations import SimReservation
from simulators.state import Transaction, iso
from simulators.wire import acknowledges, answers

# 2.0.1 folds 1.6's Preparing, Charging and Finishing into one connector status (G01)
CONNECTOR_STATUS = {"Preparing": "Occupied", "Charging": "Occupied", "Finishing": "Occupied"}


class V201(ReservationCalls, ChargingCalls, ProfileReports):
    """The 2.0.1 wire side of a simulated station."""

    subprotocol = "ocpp2.0.1"

    list_version_key = "versionNumber"
    profile_connector_key = "evseId"
    profile_key = "chargingProfile"
    profile_id_key = "id"
    stack_level_key = "ProfileStackLevel"  # SmartChargingCtrlr.ProfileStackLevel
    default_rate_unit = "W"
    replaces_same_stack = False
    integer_transaction_ids = False
    composite_answer = staticmethod(answer_201)

    @staticmethod
    def local_list_entry(entry: dict[str, Any]) -> tuple[str, str | None]:
        """A local list entry as (card, status); no idTokenInfo means remove the card."""
        return entry["idToken"]["idToken"], (entry.get("idTokenInfo") or {}).get("status")

    async def boot(self) -> dict[str, Any]:
        """BootNotification after power-up (B01)."""
        profile = self.state.profile
        station = {
            "vendor_name": profile.vendor,
            "model": profile.model,
            "serial_number": f"SN-{self.state.station_id}"[:25],
            "firmware_version": "sim-1.0",
        }
        message = call.BootNotification(charging_station=station, reason="PowerUp")
        return await self.send("BootNotification", message)

    async def heartbeat(self) -> dict[str, Any]:
        """Heartbeat (G02)."""
        return await self.send("Heartbeat", call.Heartbeat())

    async def status(self, connector: int, status: str) -> dict[str, Any]:
        """StatusNotification (G01) for connector 1 of EVSE ``connector``."""
        message = call.StatusNotification(
            timestamp=iso(self.state.clock.now()),
            connector_status=CONNECTOR_STATUS.get(status, status),
            evse_id=connector,
            connector_id=1,
        )
        return await self.send("StatusNotification", message)

    async def authorize(self, id_tag: str, token_type: str = "ISO14443") -> str:
        """Authorize (C01 card; ``token_type="KeyCode"`` for a keypad code)."""
        message = call.Authorize(id_token={"id_token": id_tag, "type": token_type})
        answer = await self.send("Authorize", message)
        return str(answer["idTokenInfo"]["status"])

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        token_type: str,
        remote_start_id: int | None,
        *,
        reservation_id: int | None = None,
    ) -> Transaction:
        """TransactionEvent Started (E01) with the reservation it uses (H03); the station
        chooses the transaction id."""
        tx = self.state.begin(connector, id_tag, token_type, remote_start_id)
        tx.reservation_id = self.state.take_reservation(connector, id_tag, reservation_id)
        tx.transaction_id = str(uuid.uuid4())
        message = self.event(tx, "Started", "Authorized", "Transaction.Begin", id_token=True)
        answer = await self.send_event(tx, message)
        tx.id_tag_status = str(answer.get("idTokenInfo", {}).get("status", ""))
        return tx

    async def meter_values(self, tx: Transaction) -> dict[str, Any]:
        """TransactionEvent Updated with a periodic sample (J02)."""
        message = self.event(tx, "Updated", "MeterValuePeriodic", "Sample.Periodic")
        return await self.send_event(tx, message)

    async def stop_transaction(self, tx: Transaction, reason: str = "Local") -> dict[str, Any]:
        """TransactionEvent Ended (E06), the DCBM's record as a signedMeterValue."""
        trigger = "StopAuthorized" if reason == "Local" else "RemoteStop"
        signed = self.state.signed_record(tx)
        message = self.event(
            tx, "Ended", trigger, "Transaction.End", stopped_reason=reason, signed=signed
        )
        return await self.send_event(tx, message)

    async def send_event(self, tx: Transaction, message: call.TransactionEvent) -> dict[str, Any]:
        """Send a TransactionEvent; its answer's totalCost and updatedPersonalMessage go on the
        screen (I02 running, I03 final for Ended)."""
        answer = await self.send("TransactionEvent", message)
        final = message.event_type == "Ended"
        shown = from_transaction_answer(answer, tx.transaction_id, final=final)
        if shown is not None:
            self.state.show(shown)
        return answer

    async def reservation_status_update(self, reservation_id: int, status: str) -> dict[str, Any]:
        """ReservationStatusUpdate (H04: Expired; Removed): the station drops the reservation."""
        self.state.reservations.pop(reservation_id, None)
        message = call.ReservationStatusUpdate(
            reservation_id=reservation_id, reservation_update_status=status
        )
        return await self.send("ReservationStatusUpdate", message)

    def stop_message(self, tx: Transaction, reason: str = "Local") -> tuple[str, Any]:
        """TransactionEvent Ended without signed data, not sent (tests replay it)."""
        return "TransactionEvent", self.event(
            tx, "Ended", "StopAuthorized", "Transaction.End", stopped_reason=reason
        )

    def event(
        self,
        tx: Transaction,
        event_type: str,
        trigger: str,
        context: str,
        *,
        id_token: bool = False,
        stopped_reason: str | None = None,
        signed: str | None = None,
    ) -> call.TransactionEvent:
        """The next TransactionEvent of ``tx``; each one built takes the next seqNo."""
        message = call.TransactionEvent(
            event_type=event_type,
            timestamp=iso(self.state.clock.now()),
            trigger_reason=trigger,
            seq_no=tx.seq_no,
            transaction_info=self._transaction_info(tx, event_type, stopped_reason),
            evse={"id": tx.connector, "connector_id": 1},
            id_token={"id_token": tx.id_tag, "type": tx.token_type} if id_token else None,
            meter_value=[self._meter_value(tx, context, signed)],
            reservation_id=tx.reservation_id if event_type == "Started" else None,
        )
        tx.seq_no += 1
        return message

    def _transaction_info(
        self, tx: Transaction, event_type: str, stopped_reason: str | None
    ) -> dict[str, Any]:
        info: dict[str, Any] = {"transaction_id": tx.transaction_id}
        if stopped_reason:
            info["stopped_reason"] = stopped_reason
        if tx.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = tx.remote_start_id  # F02: ties it to the request
        return info

    def _meter_value(self, tx: Transaction, context: str, signed: str | None) -> dict[str, Any]:
        sampled: dict[str, Any] = {
            "value": self.state.register(tx.connector),
            "context": context,
            "measurand": "Energy.Active.Import.Register",
            "location": "Outlet",
            "unit_of_measure": {"unit": "Wh", "multiplier": 0},
        }
        dcbm = self.state.dcbm
        if signed and dcbm:
            sampled["signed_meter_value"] = dcbm.signed_meter_value(signed)
        values = [sampled]
        power = self.state.delivered_w.get(tx.connector)
        if context == "Sample.Periodic" and power is not None:  # shaped by profiles or the EV
            unit = {"unit": "W", "multiplier": 0}
            values.append(_power(power, context) | {"unit_of_measure": unit})
        return {"timestamp": iso(self.state.clock.now()), "sampled_value": values}

    @staticmethod
    def reservation(payload: dict[str, Any]) -> SimReservation:
        """ReserveNow (H01): evseId (none = any), idToken, groupIdToken, expiryDateTime."""
        group = payload.get("groupIdToken") or {}
        return SimReservation(
            payload["id"],
            payload.get("evseId") or 0,
            payload["idToken"]["idToken"],
            payload["expiryDateTime"],
            group.get("idToken"),
        )

    @staticmethod
    def clear_criteria(payload: dict[str, Any]) -> ProfileCriteria:
        """ClearChargingProfile (K10): chargingProfileId, or chargingProfileCriteria."""
        criteria = payload.get("chargingProfileCriteria") or {}
        return ProfileCriteria(
            payload.get("chargingProfileId"),
            criteria.get("evseId"),
            criteria.get("chargingProfilePurpose"),
            criteria.get("stackLevel"),
        )

    @answers("CostUpdated")
    async def on_cost_updated(self, payload: dict[str, Any]) -> dict[str, Any]:
        """CostUpdated (I02): the session's running total cost, on the screen."""
        cost = cost_string(payload["totalCost"])
        self.state.show(Displayed("running", cost, None, str(payload["transactionId"])))
        return await self.reply({})

    @answers("GetVariables")
    async def on_get_variables(self, payload: dict[str, Any]) -> dict[str, Any]:
        """GetVariables (B06): a variable is known if it is in the configuration (with
        SmartChargingCtrlr ProfileStackLevel when ``max_stack_level`` is set)."""
        configuration = self.configuration()
        results = []
        for item in payload["getVariableData"]:
            name = item["variable"]["name"]
            found = name in configuration
            result = {
                "attributeStatus": "Accepted" if found else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if found:
                result["attributeValue"] = configuration[name]
            results.append(result)
        return await self.reply({"getVariableResult": results})

    @answers("SetVariables")
    async def on_set_variables(self, payload: dict[str, Any]) -> dict[str, Any]:
        """SetVariables (B05): every variable is accepted and kept."""
        results = []
        for item in payload["setVariableData"]:
            self.state.configuration[item["variable"]["name"]] = item["attributeValue"]
            results.append(
                {
                    "attributeStatus": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return await self.reply({"setVariableResult": results})

    @answers("RequestStartTransaction")
    async def on_request_start_transaction(self, payload: dict[str, Any]) -> Answer:
        """RequestStartTransaction (F01/F02): accepted, then TransactionEvent Started."""
        token = payload["idToken"]
        return self.start_remotely(
            payload.get("evseId", 1), token["idToken"], token["type"], payload["remoteStartId"]
        )

    @answers("RequestStopTransaction")
    async def on_request_stop_transaction(self, payload: dict[str, Any]) -> Answer:
        """RequestStopTransaction (F03): accepted for an open session, which then ends."""
        return await self.stop_remotely(payload)

    @answers("UpdateFirmware")
    async def on_update_firmware(self, payload: dict[str, Any]) -> Answer:
        """UpdateFirmware (L01): accepted, then the download and installation."""
        request_id = payload["requestId"]

        async def install() -> None:
            steps = ["Downloading", "Downloaded", "Installing", "Installed"]
            await self.notify("FirmwareStatusNotification", steps, requestId=request_id)

        return await self.reply({"status": "Accepted"}), install

    @answers("GetLog")
    async def on_get_log(self, payload: dict[str, Any]) -> Answer:
        """GetLog (N01): accepted with the file's name, then the upload."""
        request_id = payload["requestId"]

        async def upload() -> None:
            statuses = ["Uploading", "Uploaded"]
            await self.notify("LogStatusNotification", statuses, requestId=request_id)

        answer = {"status": "Accepted", "filename": f"{payload['logType']}-{request_id}.log"}
        return await self.reply(answer), upload

    on_get_base_report = acknowledges("GetBaseReport", "Accepted")


def _power(watts: int, context: str) -> dict[str, Any]:
    """A Power.Active.Import sample (W, an int: never a float) of the last step."""
    return {"value": watts, "context": context, "measurand": "Power.Active.Import"}
