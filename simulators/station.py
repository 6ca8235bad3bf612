"""Simulated charge points: profiles, a FeliCa reader, and the messages of one station.

Energy is kept as an exact rational register (``Fraction``: 50 kW for 600 s is exactly
8333 1/3 Wh, which no Decimal holds) and sent as whole Wh (1.6 meterStart and
meterStop are integers; 2.0.1 values are sent as integers too, so no float is involved).
"""

from __future__ import annotations

import asyncio
import base64
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from simulators.client import OcppClient
from simulators.dcbm import Dcbm

SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}


@dataclass(frozen=True)
class ChargerProfile:
    """What kind of charger a simulated station is (seed 004 別表1 classes)."""

    name: str
    current: str  # "AC" or "DC"
    max_power_w: int
    connectors: int
    vendor: str
    model: str


PROFILES = {
    p.name: p
    for p in (
        ChargerProfile("normal-ac-6kw", "AC", 6_000, 2, "SimVendor", "Normal AC 6kW"),
        ChargerProfile("quick-dc-50kw", "DC", 50_000, 2, "SimVendor", "CHAdeMO DC 50kW"),
        ChargerProfile("quick-dc-90kw", "DC", 90_000, 2, "SimVendor", "CHAdeMO DC 90kW"),
    )
}


def felica_idm(rng: random.Random | None = None) -> str:
    """A FeliCa IDm as a reader reports it: 8 bytes, 16 upper-case hex digits."""
    rng = rng or random.Random()
    return "".join(f"{rng.randrange(256):02X}" for _ in range(8))


class SimClock:
    """Simulated time: ``advance`` moves it and sleeps ``seconds / speed`` for real."""

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        self._now = start or datetime.now(UTC)
        self.speed = speed

    def now(self) -> datetime:
        return self._now

    async def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        if self.speed > 0:
            await asyncio.sleep(seconds / self.speed)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Transaction:
    connector: int
    id_tag: str
    meter_start_wh: int
    started_at: datetime | None = None
    start_register: Fraction = Fraction(0)
    transaction_id: str = ""
    seq_no: int = 0
    id_tag_status: str = ""
    token_type: str = "ISO14443"
    remote_start_id: int | None = None


@dataclass
class SimulatedStation:
    """One charge point speaking 1.6 or 2.0.1; each method sends one message."""

    station_id: str
    version: str
    profile: ChargerProfile
    clock: SimClock = field(default_factory=SimClock)
    registers_wh: dict[int, Fraction] = field(default_factory=dict)
    client: OcppClient | None = None
    configuration: dict[str, str] = field(
        default_factory=lambda: {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"}
    )
    answer_delay_s: float = 0.0
    local_list: dict[str, str] = field(default_factory=dict)
    local_list_version: int = 0
    transactions: dict[int, Transaction] = field(default_factory=dict)
    remote_started: list[Transaction] = field(default_factory=list)
    dcbm: Dcbm | None = None  # a signing DC billing meter on connector 1..n (quick chargers)

    @property
    def is_v16(self) -> bool:
        return self.version == "1.6"

    async def connect(self, base_url: str, *, password: str | None = None, **kwargs: Any) -> None:
        """Open the websocket; ``password`` sends HTTP Basic (user = station id), ``ssl=`` TLS."""
        url = f"{base_url.rstrip('/')}/{self.station_id}"
        if password is not None:
            token = base64.b64encode(f"{self.station_id}:{password}".encode()).decode()
            kwargs["additional_headers"] = {"Authorization": f"Basic {token}"}
        self.client = await OcppClient.connect(url, SUBPROTOCOL[self.version], **kwargs)
        self.client.handlers.update(self._call_handlers())
        for connector in range(1, self.profile.connectors + 1):
            self.registers_wh.setdefault(connector, Fraction(random.randrange(0, 100_000)))

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    def _c(self) -> OcppClient:
        assert self.client is not None, "connect() first"
        return self.client

    async def boot(self) -> dict[str, Any]:
        if self.is_v16:
            message: Any = call16.BootNotification(
                charge_point_vendor=self.profile.vendor,
                charge_point_model=self.profile.model,
                charge_point_serial_number=f"SN-{self.station_id}"[:25],
                firmware_version="sim-1.0",
            )
        else:
            message = call201.BootNotification(
                charging_station={
                    "vendor_name": self.profile.vendor,
                    "model": self.profile.model,
                    "serial_number": f"SN-{self.station_id}"[:25],
                    "firmware_version": "sim-1.0",
                },
                reason="PowerUp",
            )
        return await self._c().call("BootNotification", message)

    async def heartbeat(self) -> dict[str, Any]:
        message = call16.Heartbeat() if self.is_v16 else call201.Heartbeat()
        return await self._c().call("Heartbeat", message)

    async def status(self, connector: int, status: str) -> dict[str, Any]:
        if self.is_v16:
            message: Any = call16.StatusNotification(
                connector_id=connector,
                error_code="NoError",
                status=status,
                timestamp=iso(self.clock.now()),
            )
        else:
            status_201 = {
                "Preparing": "Occupied",
                "Charging": "Occupied",
                "Finishing": "Occupied",
            }.get(status, status)
            message = call201.StatusNotification(
                timestamp=iso(self.clock.now()),
                connector_status=status_201,
                evse_id=connector,
                connector_id=1,
            )
        return await self._c().call("StatusNotification", message)

    async def authorize(self, id_tag: str, token_type: str = "ISO14443") -> str:
        """Present a card (or, with ``token_type="KeyCode"``, a keypad code in 2.0.1)."""
        if self.is_v16:
            answer = await self._c().call("Authorize", call16.Authorize(id_tag=id_tag))
            return str(answer["idTagInfo"]["status"])
        answer = await self._c().call(
            "Authorize", call201.Authorize(id_token={"id_token": id_tag, "type": token_type})
        )
        return str(answer["idTokenInfo"]["status"])

    def register(self, connector: int) -> int:
        return math.floor(self.registers_wh[connector])

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        token_type: str = "ISO14443",
        remote_start_id: int | None = None,
    ) -> Transaction:
        tx = Transaction(
            connector,
            id_tag,
            self.register(connector),
            token_type=token_type,
            remote_start_id=remote_start_id,
            started_at=self.clock.now(),
            start_register=self.registers_wh[connector],
        )
        self.transactions[connector] = tx
        now = iso(self.clock.now())
        if self.is_v16:
            answer = await self._c().call(
                "StartTransaction",
                call16.StartTransaction(
                    connector_id=connector,
                    id_tag=id_tag,
                    meter_start=tx.meter_start_wh,
                    timestamp=now,
                ),
            )
            tx.transaction_id = str(answer["transactionId"])
            tx.id_tag_status = str(answer["idTagInfo"]["status"])
            return tx
        tx.transaction_id = str(uuid.uuid4())
        answer = await self._c().call(
            "TransactionEvent",
            self._event(tx, "Started", "Authorized", "Transaction.Begin", id_token=True),
        )
        tx.id_tag_status = str(answer.get("idTokenInfo", {}).get("status", ""))
        return tx

    async def charge(self, tx: Transaction, seconds: float, power_w: int | None = None) -> None:
        """Let simulated time pass while charging at ``power_w``; the register grows exactly."""
        await self.clock.advance(seconds)
        power = Fraction(power_w if power_w is not None else self.profile.max_power_w)
        self.registers_wh[tx.connector] += power * Fraction(str(seconds)) / 3600

    async def meter_values(self, tx: Transaction) -> dict[str, Any]:
        if self.is_v16:
            return await self._c().call(
                "MeterValues",
                call16.MeterValues(
                    connector_id=tx.connector,
                    transaction_id=int(tx.transaction_id),
                    meter_value=[self._sample_16("Sample.Periodic", tx.connector)],
                ),
            )
        return await self._c().call(
            "TransactionEvent", self._event(tx, "Updated", "MeterValuePeriodic", "Sample.Periodic")
        )

    async def stop_transaction(self, tx: Transaction, reason: str = "Local") -> dict[str, Any]:
        signed = self._signed_record(tx)
        if self.is_v16:
            data = [self._sample_16("Transaction.End", tx.connector)]
            if signed is not None:  # 1.6: the OCMF text as a SignedData sampled value
                data.append(
                    {
                        "timestamp": iso(self.clock.now()),
                        "sampledValue": [
                            {
                                "value": signed,
                                "format": "SignedData",
                                "context": "Transaction.End",
                                "measurand": "Energy.Active.Import.Register",
                            }
                        ],
                    }
                )
            return await self._c().call(
                "StopTransaction",
                call16.StopTransaction(
                    meter_stop=self.register(tx.connector),
                    timestamp=iso(self.clock.now()),
                    transaction_id=int(tx.transaction_id),
                    reason=reason,
                    id_tag=tx.id_tag,
                    transaction_data=data,
                ),
            )
        trigger = "StopAuthorized" if reason == "Local" else "RemoteStop"
        return await self._c().call(
            "TransactionEvent",
            self._event(
                tx, "Ended", trigger, "Transaction.End", stopped_reason=reason, signed=signed
            ),
        )

    def _signed_record(self, tx: Transaction) -> str | None:
        """The DCBM's one signed record for the session, if this station has a DCBM."""
        if self.dcbm is None or tx.started_at is None:
            return None
        charged = self.registers_wh[tx.connector] - tx.start_register
        return self.dcbm.session_record(charged, tx.started_at, self.clock.now(), tx.id_tag)

    def stop_message(self, tx: Transaction, reason: str = "Local") -> tuple[str, Any]:
        """The stop Call without sending it (tests replay it)."""
        if self.is_v16:
            return "StopTransaction", call16.StopTransaction(
                meter_stop=self.register(tx.connector),
                timestamp=iso(self.clock.now()),
                transaction_id=int(tx.transaction_id),
                reason=reason,
            )
        return "TransactionEvent", self._event(
            tx, "Ended", "StopAuthorized", "Transaction.End", stopped_reason=reason
        )

    def _sample_16(self, context: str, connector: int) -> dict[str, Any]:
        return {
            "timestamp": iso(self.clock.now()),
            "sampledValue": [
                {
                    "value": str(self.register(connector)),
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "location": "Outlet",
                    "unit": "Wh",
                }
            ],
        }

    def _event(
        self,
        tx: Transaction,
        event_type: str,
        trigger: str,
        context: str,
        *,
        id_token: bool = False,
        stopped_reason: str | None = None,
        signed: str | None = None,
    ) -> call201.TransactionEvent:
        info: dict[str, Any] = {"transaction_id": tx.transaction_id}
        if stopped_reason:
            info["stopped_reason"] = stopped_reason
        if tx.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = tx.remote_start_id
        message = call201.TransactionEvent(
            event_type=event_type,
            timestamp=iso(self.clock.now()),
            trigger_reason=trigger,
            seq_no=tx.seq_no,
            transaction_info=info,
            evse={"id": tx.connector, "connector_id": 1},
            id_token={"id_token": tx.id_tag, "type": tx.token_type} if id_token else None,
            meter_value=[
                {
                    "timestamp": iso(self.clock.now()),
                    "sampled_value": [
                        {
                            "value": self.register(tx.connector),
                            "context": context,
                            "measurand": "Energy.Active.Import.Register",
                            "location": "Outlet",
                            "unit_of_measure": {"unit": "Wh", "multiplier": 0},
                            **(
                                {"signed_meter_value": self.dcbm.signed_meter_value(signed)}
                                if signed and self.dcbm
                                else {}
                            ),
                        }
                    ],
                }
            ],
        )
        tx.seq_no += 1
        return message

    # --- answers to the central system's Calls --------------------------------------------

    def _call_handlers(self) -> dict[str, Any]:
        async def delayed(answer: dict[str, Any]) -> dict[str, Any]:
            if self.answer_delay_s:
                await asyncio.sleep(self.answer_delay_s)
            return answer

        async def get_configuration(payload: dict[str, Any]) -> dict[str, Any]:
            keys = payload.get("key") or list(self.configuration)
            known = [
                {"key": k, "readonly": False, "value": self.configuration[k]}
                for k in keys
                if k in self.configuration
            ]
            unknown = [k for k in keys if k not in self.configuration]
            answer: dict[str, Any] = {"configurationKey": known}
            if unknown:
                answer["unknownKey"] = unknown
            return await delayed(answer)

        async def change_configuration(payload: dict[str, Any]) -> dict[str, Any]:
            self.configuration[payload["key"]] = payload["value"]
            return await delayed({"status": "Accepted"})

        async def get_variables(payload: dict[str, Any]) -> dict[str, Any]:
            results = []
            for item in payload["getVariableData"]:
                name = item["variable"]["name"]
                found = name in self.configuration
                result = {
                    "attributeStatus": "Accepted" if found else "UnknownVariable",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                if found:
                    result["attributeValue"] = self.configuration[name]
                results.append(result)
            return await delayed({"getVariableResult": results})

        async def set_variables(payload: dict[str, Any]) -> dict[str, Any]:
            results = []
            for item in payload["setVariableData"]:
                self.configuration[item["variable"]["name"]] = item["attributeValue"]
                results.append(
                    {
                        "attributeStatus": "Accepted",
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                )
            return await delayed({"setVariableResult": results})

        async def accepted(payload: dict[str, Any]) -> dict[str, Any]:
            return await delayed({"status": "Accepted"})

        async def unlocked(payload: dict[str, Any]) -> dict[str, Any]:
            return await delayed({"status": "Unlocked"})

        async def send_local_list(payload: dict[str, Any]) -> dict[str, Any]:
            entries = payload.get("localAuthorizationList", [])
            if payload["updateType"] == "Full":
                self.local_list.clear()
            for entry in entries:
                token = entry["idTag"] if self.is_v16 else entry["idToken"]["idToken"]
                info = entry.get("idTagInfo") or entry.get("idTokenInfo")
                if info is None:
                    self.local_list.pop(token, None)
                else:
                    self.local_list[token] = info["status"]
            self.local_list_version = payload.get("listVersion", payload.get("versionNumber", 0))
            return await delayed({"status": "Accepted"})

        async def get_local_list_version(payload: dict[str, Any]) -> dict[str, Any]:
            key = "listVersion" if self.is_v16 else "versionNumber"
            return await delayed({key: self.local_list_version})

        async def remote_start(payload: dict[str, Any]) -> Any:
            if self.is_v16:
                connector, id_tag, remote_id, kind = (
                    payload.get("connectorId", 1),
                    payload["idTag"],
                    None,
                    "ISO14443",
                )
            else:
                connector, id_tag = payload.get("evseId", 1), payload["idToken"]["idToken"]
                remote_id, kind = payload["remoteStartId"], payload["idToken"]["type"]

            async def begin() -> None:
                tx = await self.start_transaction(connector, id_tag, kind, remote_id)
                self.remote_started.append(tx)

            return {"status": "Accepted"}, begin

        async def remote_stop(payload: dict[str, Any]) -> Any:
            wanted = str(payload["transactionId"])
            tx = next((t for t in self.transactions.values() if t.transaction_id == wanted), None)
            if tx is None:
                return {"status": "Rejected"}

            async def end() -> None:
                await self.stop_transaction(tx, reason="Remote")
                self.transactions.pop(tx.connector, None)

            return {"status": "Accepted"}, end

        return {
            "SendLocalList": send_local_list,
            "GetLocalListVersion": get_local_list_version,
            "RemoteStartTransaction": remote_start,
            "RequestStartTransaction": remote_start,
            "RemoteStopTransaction": remote_stop,
            "RequestStopTransaction": remote_stop,
            "GetConfiguration": get_configuration,
            "ChangeConfiguration": change_configuration,
            "GetVariables": get_variables,
            "SetVariables": set_variables,
            "TriggerMessage": accepted,
            "Reset": accepted,
            "ChangeAvailability": accepted,
            "UnlockConnector": unlocked,
        }
