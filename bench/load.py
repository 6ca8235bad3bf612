"""A light load station: the simulator's OCPP-J client with prebuilt camelCase payloads.

Mixed 1.6 and 2.0.1 (even/odd index). Every call's latency (CALL sent -> CALLRESULT read)
is recorded per action. Payloads are built as plain dicts so the load generator spends its
CPU on the wire, not on dataclass conversion.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulators.client import OcppClient


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Latencies:
    by_action: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0

    def add(self, action: str, seconds: float) -> None:
        self.by_action[action].append(seconds)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_action.values())


@dataclass
class LoadStation:
    station_id: str
    version: str
    latencies: Latencies
    client: OcppClient | None = None
    register_wh: int = 0
    transaction_id: str | None = None
    seq_no: int = 0
    boot_status: str | None = None
    boot_interval: int | None = None

    @property
    def v16(self) -> bool:
        return self.version == "1.6"

    async def connect(self, base_url: str, *, timeout_s: float = 60) -> None:
        subprotocol = "ocpp1.6" if self.v16 else "ocpp2.0.1"
        self.client = await OcppClient.connect(
            f"{base_url}/{self.station_id}",
            subprotocol,
            call_timeout_s=timeout_s,
            open_timeout=timeout_s,
            ping_interval=None,
            max_queue=64,
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.client is not None
        started = time.perf_counter()
        answer = await self.client.call(action, payload)
        self.latencies.add(action, time.perf_counter() - started)
        return answer

    async def boot(self) -> str:
        if self.v16:
            payload: dict[str, Any] = {"chargePointVendor": "Bench", "chargePointModel": "L1"}
        else:
            payload = {
                "chargingStation": {"vendorName": "Bench", "model": "L2"},
                "reason": "PowerUp",
            }
        answer = await self.call("BootNotification", payload)
        self.boot_status, self.boot_interval = answer["status"], answer["interval"]
        return str(answer["status"])

    async def boot_until_accepted(self, *, deadline: float) -> None:
        """Boot; on Pending wait the interval the central system gave (storm control)."""
        while await self.boot() != "Accepted":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.station_id} still {self.boot_status}")
            await asyncio.sleep(min(self.boot_interval or 1, 5) * random.uniform(0.5, 1.0))

    async def heartbeat(self) -> None:
        await self.call("Heartbeat", {})

    async def authorize(self, id_tag: str) -> None:
        if self.v16:
            await self.call("Authorize", {"idTag": id_tag})
        else:
            await self.call("Authorize", {"idToken": {"idToken": id_tag, "type": "ISO14443"}})

    async def start(self, id_tag: str) -> None:
        self.seq_no = 0
        if self.v16:
            answer = await self.call(
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": id_tag,
                    "meterStart": self.register_wh,
                    "timestamp": now_iso(),
                },
            )
            self.transaction_id = str(answer["transactionId"])
            return
        self.transaction_id = str(uuid.uuid4())
        await self.call("TransactionEvent", self._event("Started", "Authorized", id_tag))

    async def meter_values(self, energy_wh: int) -> None:
        self.register_wh += energy_wh
        sample = {
            "timestamp": now_iso(),
            "sampledValue": [
                {
                    "value": str(self.register_wh) if self.v16 else self.register_wh,
                    "measurand": "Energy.Active.Import.Register",
                }
            ],
        }
        if self.v16:
            await self.call(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": int(self.transaction_id or 0),
                    "meterValue": [sample],
                },
            )
        else:
            await self.call(
                "TransactionEvent", self._event("Updated", "MeterValuePeriodic", None, sample)
            )

    async def stop(self) -> None:
        if self.v16:
            await self.call(
                "StopTransaction",
                {
                    "meterStop": self.register_wh,
                    "timestamp": now_iso(),
                    "transactionId": int(self.transaction_id or 0),
                    "reason": "Local",
                },
            )
        else:
            sample = {
                "timestamp": now_iso(),
                "sampledValue": [{"value": self.register_wh, "context": "Transaction.End"}],
            }
            await self.call(
                "TransactionEvent", self._event("Ended", "StopAuthorized", None, sample)
            )
        self.transaction_id = None

    def _event(
        self, kind: str, trigger: str, id_tag: str | None, sample: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "eventType": kind,
            "timestamp": now_iso(),
            "triggerReason": trigger,
            "seqNo": self.seq_no,
            "transactionInfo": {"transactionId": self.transaction_id},
            "evse": {"id": 1, "connectorId": 1},
        }
        self.seq_no += 1
        if id_tag:
            event["idToken"] = {"idToken": id_tag, "type": "ISO14443"}
            event["meterValue"] = [
                {
                    "timestamp": now_iso(),
                    "sampledValue": [{"value": self.register_wh, "context": "Transaction.Begin"}],
                }
            ]
        if sample is not None:
            event["meterValue"] = [sample]
        return event


VERSIONS = {"mix": ("1.6", "2.0.1"), "1.6": ("1.6",), "2.0.1": ("2.0.1",)}


def make_stations(
    prefix: str, count: int, latencies: Latencies, versions: str = "mix"
) -> list[LoadStation]:
    """Half 1.6, half 2.0.1 (``mix``), or all of one version."""
    cycle = VERSIONS[versions]
    return [
        LoadStation(f"{prefix}-{i:05d}", cycle[i % len(cycle)], latencies) for i in range(count)
    ]
