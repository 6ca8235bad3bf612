"""Simulated charge points: a station's state (``state``) plus its version's wire class.

``SimulatedStation`` is what tests, benchmarks and ``python -m simulators`` drive: each
message method sends one message through ``V16`` or ``V201``, which read and change the
station's state; the state's own methods (``charge``, ``register``) involve no protocol.
"""

from __future__ import annotations

import base64
from typing import Any

from simulators.client import OcppClient
from simulators.dcbm import Dcbm
from simulators.display import Displayed
from simulators.reservations import SimReservation
from simulators.state import (
    PROFILES,
    ChargerProfile,
    SimClock,
    StationState,
    Transaction,
    felica_idm,
    iso,
)
from simulators.v16 import V16
from simulators.v201 import V201
from simulators.wire import Wire

__all__ = [
    "PROFILES",
    "SUBPROTOCOL",
    "ChargerProfile",
    "Displayed",
    "SimClock",
    "SimReservation",
    "SimulatedStation",
    "Transaction",
    "felica_idm",
    "iso",
]

WIRES: dict[str, type[Wire]] = {"1.6": V16, "2.0.1": V201}
SUBPROTOCOL = {version: wire.subprotocol for version, wire in WIRES.items()}


class SimulatedStation(StationState):
    """One charge point speaking 1.6 or 2.0.1; each message method sends one message."""

    def __init__(
        self,
        station_id: str,
        version: str,
        profile: ChargerProfile,
        clock: SimClock | None = None,
        *,
        answer_delay_s: float = 0.0,
        dcbm: Dcbm | None = None,
        **state: Any,
    ) -> None:
        super().__init__(station_id, profile, clock or SimClock(), dcbm=dcbm, **state)
        self.version = version
        self.wire = WIRES[version](self, answer_delay_s)

    @property
    def is_v16(self) -> bool:
        return self.version == "1.6"

    @property
    def client(self) -> OcppClient | None:
        """The open connection, once ``connect`` has run."""
        return self.wire.client

    @property
    def answer_delay_s(self) -> float:
        """How long the station takes to answer the central system's Calls."""
        return self.wire.answer_delay_s

    @answer_delay_s.setter
    def answer_delay_s(self, seconds: float) -> None:
        self.wire.answer_delay_s = seconds

    async def connect(self, base_url: str, *, password: str | None = None, **kwargs: Any) -> None:
        """Open the websocket; ``password`` sends HTTP Basic (user = station id), ``ssl=`` TLS."""
        url = f"{base_url.rstrip('/')}/{self.station_id}"
        if password is not None:
            token = base64.b64encode(f"{self.station_id}:{password}".encode()).decode()
            kwargs["additional_headers"] = {"Authorization": f"Basic {token}"}
        client = await OcppClient.connect(url, self.wire.subprotocol, **kwargs)
        client.handlers.update(self.wire.handlers())
        self.wire.client = client
        self.power_up()

    def received(self, action: str) -> list[dict[str, Any]]:
        """The payloads of the central system's ``action`` Calls so far, oldest first."""
        assert self.client is not None, "connect() first"
        return [payload for name, payload in self.client.received_calls if name == action]

    async def close(self) -> None:
        """Close the websocket, if one was opened."""
        if self.wire.client is not None:
            await self.wire.client.close()

    async def boot(self) -> dict[str, Any]:
        """BootNotification; returns the answer (status, interval)."""
        return await self.wire.boot()

    async def heartbeat(self) -> dict[str, Any]:
        """Heartbeat; returns the answer (currentTime)."""
        return await self.wire.heartbeat()

    async def status(self, connector: int, status: str) -> dict[str, Any]:
        """StatusNotification with a 1.6 status name (2.0.1 maps it to a connector status)."""
        return await self.wire.status(connector, status)

    async def authorize(self, id_tag: str, token_type: str = "ISO14443") -> str:
        """Present a card (or, with ``token_type="KeyCode"``, a keypad code in 2.0.1)."""
        return await self.wire.authorize(id_tag, token_type)

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        token_type: str = "ISO14443",
        remote_start_id: int | None = None,
        *,
        reservation_id: int | None = None,
    ) -> Transaction:
        """Begin a session on ``connector`` and report it (StartTransaction / Started); a
        reservation held for ``id_tag`` there (or on any connector) is used and sent as
        reservationId, or ``reservation_id`` is sent as given."""
        return await self.wire.start_transaction(
            connector, id_tag, token_type, remote_start_id, reservation_id=reservation_id
        )

    async def meter_values(self, tx: Transaction) -> dict[str, Any]:
        """Report the register (MeterValues / TransactionEvent Updated)."""
        return await self.wire.meter_values(tx)

    async def stop_transaction(self, tx: Transaction, reason: str = "Local") -> dict[str, Any]:
        """End the session (StopTransaction / TransactionEvent Ended), signed by a DCBM."""
        return await self.wire.stop_transaction(tx, reason)

    def stop_message(self, tx: Transaction, reason: str = "Local") -> tuple[str, Any]:
        """The stop Call without sending it (tests replay it)."""
        return self.wire.stop_message(tx, reason)

    async def reservation_status_update(self, reservation_id: int, status: str) -> dict[str, Any]:
        """2.0.1 ReservationStatusUpdate (H04): ``status`` Expired or Removed; the station
        drops the reservation."""
        assert isinstance(self.wire, V201), "ReservationStatusUpdate is 2.0.1"
        return await self.wire.reservation_status_update(reservation_id, status)

    @property
    def displayed_cost(self) -> str | None:
        """The latest cost on the screen, as the central system wrote it (``"123.50"``)."""
        return next((d.cost for d in reversed(self.display) if d.cost is not None), None)

    @property
    def displayed_text(self) -> str | None:
        """The latest text on the screen (price text, personal message)."""
        return next((d.text for d in reversed(self.display) if d.text is not None), None)

    def _signed_record(self, tx: Transaction) -> str | None:
        """The DCBM's one signed record for the session (tests send it themselves)."""
        return self.signed_record(tx)

    def _event(self, tx: Transaction, *args: Any, **kwargs: Any) -> Any:
        """A 2.0.1 TransactionEvent built but not sent (tests send it out of order)."""
        assert isinstance(self.wire, V201), "TransactionEvent is 2.0.1"
        return self.wire.event(tx, *args, **kwargs)
