"""What the 1.6 and 2.0.1 wire classes share: the socket, answer timing, remote start/stop.

Each version's class has one method per message the station sends and one ``on_<action>``
per central-system Call it answers, marked ``@answers(action)``; the Calls both versions
share are answered here.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Final, TypeVar

from simulators.client import Answer, CallHandler, OcppClient
from simulators.state import StationState, Transaction

Method = TypeVar("Method", bound=Callable[..., Any])
_ANSWERS: Final = "_answers_call"


def answers(action: str) -> Callable[[Method], Method]:
    """Mark a wire method as the station's answer to the central system's Call ``action``."""

    def mark(method: Method) -> Method:
        setattr(method, _ANSWERS, action)
        return method

    return mark


def acknowledges(action: str, status: str) -> Callable[[Wire, dict[str, Any]], Any]:
    """A Call the station only acknowledges: ``{"status": status}``, after its reaction time."""

    @answers(action)
    async def acknowledge(self: Wire, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.reply({"status": status})

    return acknowledge


class Wire(ABC):
    """A station's protocol side: it reads and changes ``state`` and talks through ``client``."""

    subprotocol: str
    list_version_key: str  # the local list version's field: 1.6 listVersion, 2.0.1 versionNumber

    def __init__(self, state: StationState, answer_delay_s: float = 0.0) -> None:
        self.state = state
        self.answer_delay_s = answer_delay_s
        self.client: OcppClient | None = None

    async def send(self, action: str, message: Any) -> dict[str, Any]:
        """Send one Call and return the answer's payload (camelCase)."""
        assert self.client is not None, "connect() first"
        return await self.client.call(action, message)

    async def reply(self, answer: dict[str, Any]) -> dict[str, Any]:
        """``answer`` after the firmware's reaction time (``answer_delay_s``)."""
        if self.answer_delay_s:
            await asyncio.sleep(self.answer_delay_s)
        return answer

    @staticmethod
    @abstractmethod
    def local_list_entry(entry: dict[str, Any]) -> tuple[str, str | None]:
        """A local list entry as (token, status); a status of None removes the token."""

    def handlers(self) -> dict[str, CallHandler]:
        """The central system's Calls this version answers: action -> its ``@answers`` method."""
        table = {}
        for name in dir(type(self)):
            action = getattr(getattr(type(self), name), _ANSWERS, None)
            if action is not None:
                table[action] = getattr(self, name)
        return table

    @abstractmethod
    async def boot(self) -> dict[str, Any]:
        """BootNotification."""

    @abstractmethod
    async def heartbeat(self) -> dict[str, Any]:
        """Heartbeat."""

    @abstractmethod
    async def status(self, connector: int, status: str) -> dict[str, Any]:
        """StatusNotification with a 1.6 status name."""

    @abstractmethod
    async def authorize(self, id_tag: str, token_type: str) -> str:
        """Authorize; returns the status the central system gave."""

    @abstractmethod
    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        token_type: str,
        remote_start_id: int | None,
        *,
        reservation_id: int | None = None,
    ) -> Transaction:
        """Begin a session on ``connector`` and report it, using a matching reservation (or
        ``reservation_id``) if the station holds one (1.6 §5.13, 2.0.1 H03)."""

    @abstractmethod
    async def meter_values(self, tx: Transaction) -> dict[str, Any]:
        """Report the register of a running session."""

    @abstractmethod
    async def stop_transaction(self, tx: Transaction, reason: str) -> dict[str, Any]:
        """Report the end of a session, with the DCBM's signed record if there is one."""

    @abstractmethod
    def stop_message(self, tx: Transaction, reason: str) -> tuple[str, Any]:
        """The stop Call without sending it (tests replay it)."""

    def start_remotely(
        self, connector: int, id_tag: str, token_type: str, remote_start_id: int | None
    ) -> Answer:
        """Accept, then begin the session once the answer is sent, like firmware does."""

        async def begin() -> None:
            tx = await self.start_transaction(connector, id_tag, token_type, remote_start_id)
            self.state.remote_started.append(tx)

        return {"status": "Accepted"}, begin

    async def stop_remotely(self, payload: dict[str, Any]) -> Answer:
        """Accept a stop for an open session and end it once the answer is sent."""
        tx = self.state.find(str(payload["transactionId"]))
        if tx is None:
            return {"status": "Rejected"}

        async def end() -> None:
            await self.stop_transaction(tx, reason="Remote")
            self.state.transactions.pop(tx.connector, None)

        return {"status": "Accepted"}, end

    @answers("SendLocalList")
    async def on_send_local_list(self, payload: dict[str, Any]) -> dict[str, Any]:
        """SendLocalList (1.6 §5.15, 2.0.1 D01): a full list or differential changes."""
        changes = [self.local_list_entry(e) for e in payload.get("localAuthorizationList", [])]
        full = payload["updateType"] == "Full"
        version = payload[self.list_version_key]
        self.state.update_local_list(full=full, changes=changes, version=version)
        return await self.reply({"status": "Accepted"})

    @answers("GetLocalListVersion")
    async def on_get_local_list_version(self, payload: dict[str, Any]) -> dict[str, Any]:
        """GetLocalListVersion (1.6 §5.10, 2.0.1 D02)."""
        return await self.reply({self.list_version_key: self.state.local_list_version})

    async def notify(self, action: str, statuses: list[str], **fields: Any) -> None:
        """Report progress as firmware does: one ``action`` per status, in order."""
        for status in statuses:
            await self.send(action, {"status": status, **fields})

    @answers("DataTransfer")
    async def on_data_transfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        """DataTransfer (1.6 §5.6, 2.0.1 P01): accepted, the data echoed."""
        answer: dict[str, Any] = {"status": "Accepted"}
        if "data" in payload:
            answer["data"] = payload["data"]
        return await self.reply(answer)

    # Calls only acknowledged: the simulator does not reboot, send what is triggered,
    # change its availability or hold a lock
    on_reset = acknowledges("Reset", "Accepted")
    on_clear_cache = acknowledges("ClearCache", "Accepted")
    on_trigger_message = acknowledges("TriggerMessage", "Accepted")
    on_change_availability = acknowledges("ChangeAvailability", "Accepted")
    on_unlock_connector = acknowledges("UnlockConnector", "Unlocked")
