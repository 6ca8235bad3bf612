"""Database outage and server crash under load: nothing lost, nothing open, nothing doubled.

The real ``csms serve`` runs on its embedded PostgreSQL; 50 stations (half 1.6, half 2.0.1)
charge. Then the postmaster (or the server) is killed with SIGKILL. The stations behave as
OCPP asks of a charger: a transaction message that was not answered with success is kept
and sent again, unchanged, once a connection is back (1.6 §3.3 / 2.0.1 E04: queued
transaction messages). Afterwards every session the stations ran is stored exactly once
and completed.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.harness import ServerProcess, stored_sessions
from simulators.client import CallErrorReceived, OcppClient

STATIONS = 50
DEADLINE_S = 90.0


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class QueuingStation:
    """A charger that sends each transaction message until it is answered with success."""

    def __init__(self, station_id: str, version: str, url: str) -> None:
        self.station_id = station_id
        self.version = version
        self._url = url
        self._client: OcppClient | None = None
        self.transaction_id: str | None = None
        self._seq_no = 0
        self.register_wh = 1000

    @property
    def v16(self) -> bool:
        return self.version == "1.6"

    async def _connect(self, deadline: float) -> OcppClient:
        while time.monotonic() < deadline:
            client = self._client
            if client is not None and not client.websocket.close_code:
                return client
            try:
                client = await OcppClient.connect(
                    f"{self._url}/{self.station_id}",
                    "ocpp1.6" if self.v16 else "ocpp2.0.1",
                    call_timeout_s=10,
                    open_timeout=10,
                    ping_interval=None,
                )
                boot = await client.call("BootNotification", self._boot())
                while boot["status"] != "Accepted":
                    await asyncio.sleep(min(boot["interval"], 3) * random.uniform(0.5, 1))
                    boot = await client.call("BootNotification", self._boot())
            except Exception:
                await asyncio.sleep(random.uniform(0.3, 1.0))
                continue
            self._client = client
            return client
        raise TimeoutError(f"{self.station_id} could not reconnect")

    async def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The message, again and again until the answer is a success (never changed)."""
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            client = await self._connect(deadline)
            try:
                return await client.call(action, payload)
            except CallErrorReceived:  # InternalError while the database is away
                await asyncio.sleep(0.5)
            except Exception:  # the socket was closed: the message stays queued
                await asyncio.sleep(random.uniform(0.2, 0.6))
        raise TimeoutError(f"{self.station_id}: {action} never answered")

    def _boot(self) -> dict[str, Any]:
        if self.v16:
            return {"chargePointVendor": "Outage", "chargePointModel": "Q1"}
        return {"chargingStation": {"vendorName": "Outage", "model": "Q2"}, "reason": "PowerUp"}

    async def start(self) -> None:
        if self.v16:
            answer = await self.send(
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": "OUTAGE1",
                    "meterStart": self.register_wh,
                    "timestamp": _now(),
                },
            )
            self.transaction_id = str(answer["transactionId"])
            return
        self.transaction_id = str(uuid.uuid4())
        await self.send("TransactionEvent", self._event("Started", "Authorized", idtag=True))

    async def meter_value(self) -> None:
        self.register_wh += 250
        sample = {
            "timestamp": _now(),
            "sampledValue": [{"value": str(self.register_wh) if self.v16 else self.register_wh}],
        }
        if self.v16:
            body = {
                "connectorId": 1,
                "transactionId": int(self.transaction_id or 0),
                "meterValue": [sample],
            }
            await self.send("MeterValues", body)
        else:
            await self.send(
                "TransactionEvent", self._event("Updated", "MeterValuePeriodic", sample=sample)
            )

    async def stop(self) -> None:
        if self.v16:
            body = {
                "transactionId": int(self.transaction_id or 0),
                "meterStop": self.register_wh,
                "timestamp": _now(),
                "reason": "Local",
            }
            await self.send("StopTransaction", body)
            return
        sample = {
            "timestamp": _now(),
            "sampledValue": [{"value": self.register_wh, "context": "Transaction.End"}],
        }
        await self.send("TransactionEvent", self._event("Ended", "StopAuthorized", sample=sample))

    def _event(
        self, kind: str, trigger: str, *, idtag: bool = False, sample: Any = None
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "eventType": kind,
            "timestamp": _now(),
            "triggerReason": trigger,
            "seqNo": self._seq_no,
            "transactionInfo": {"transactionId": self.transaction_id},
            "evse": {"id": 1, "connectorId": 1},
        }
        self._seq_no += 1
        if idtag:
            event["idToken"] = {"idToken": "OUTAGE1", "type": "ISO14443"}
        if sample is not None:
            event["meterValue"] = [sample]
        return event

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


async def _charge_through(server: ServerProcess, crash: Any, prefix: str) -> dict[str, int]:
    fleet = [
        QueuingStation(f"{prefix}-{i:03d}", ("1.6", "2.0.1")[i % 2], server.url)
        for i in range(STATIONS)
    ]
    try:
        await asyncio.gather(*(s.start() for s in fleet))
        await asyncio.gather(*(s.meter_value() for s in fleet))
        during = asyncio.gather(*(_keep_charging(s) for s in fleet))
        await asyncio.sleep(0.3)
        await crash()
        await during
        return await stored_sessions(server.dsn, prefix)
    finally:
        await asyncio.gather(*(s.close() for s in fleet), return_exceptions=True)


async def _keep_charging(station: QueuingStation) -> None:
    for _ in range(3):
        await station.meter_value()
        await asyncio.sleep(random.uniform(0.1, 0.4))
    await station.stop()


def _postmaster_pid(server: ServerProcess) -> int:
    pid_file = server.data_dir / "data" / "pgdata" / "postmaster.pid"
    return int(pid_file.read_text().splitlines()[0])


async def test_killing_the_database_under_load_loses_nothing() -> None:
    """kill -9 of the embedded postmaster while 50 stations charge: the server pauses OCPP,
    restarts PostgreSQL, lets the stations back, and every session is stored once, completed."""
    server = ServerProcess(env={"CSMS_DATABASE_CHECK_INTERVAL_S": "0.2"})
    await server.start()
    try:
        first = _postmaster_pid(server)

        async def crash() -> None:
            os.kill(first, signal.SIGKILL)

        stored = await _charge_through(server, crash, "PGKILL")
        assert _postmaster_pid(server) != first  # restarted by the central system
        assert await server.healthy()
        log = server.log_path.read_text() if server.log_path else ""
        assert "database_unavailable" in log
        assert "database_available_again" in log
    finally:
        await server.stop()
        server.cleanup()
    assert stored == {"completed": STATIONS, "active": 0, "doubled": 0, "unmatched": 0}


async def test_killing_the_server_under_load_loses_nothing() -> None:
    """kill -9 of the server itself while 50 stations charge; it is started again."""
    server = ServerProcess()
    await server.start()
    try:

        async def crash() -> None:
            await server.kill()
            await server.start(ocpp_port=server.ocpp_port, api_port=server.api_port)

        stored = await _charge_through(server, crash, "SRVKILL")
    finally:
        await server.stop()
        server.cleanup()
    assert stored == {"completed": STATIONS, "active": 0, "doubled": 0, "unmatched": 0}
