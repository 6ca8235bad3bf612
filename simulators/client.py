"""A minimal OCPP-J client: send Calls and await answers, answer the central system's Calls.

Answers from the central system are routed as they arrive, so the station can answer a
CSMS Call while its own Call is still waiting for an answer, like real firmware.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

import websockets
from ocpp.charge_point import camel_to_snake_case, remove_nones, snake_to_camel_case
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

log = logging.getLogger("simulators")

# A handler returns the answer, or (answer, follow_up): follow_up() runs once it is sent,
# like firmware that starts a transaction after accepting RemoteStartTransaction.
Answer = dict[str, Any] | tuple[dict[str, Any], Callable[[], Awaitable[Any]]]
CallHandler = Callable[[dict[str, Any]], Awaitable[Answer]]


class CallErrorReceived(Exception):
    def __init__(self, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(str(value))
    if isinstance(value, Enum):
        return value.value
    raise TypeError(type(value).__name__)


def to_payload(message: Any) -> dict[str, Any]:
    """A library dataclass as a camelCase JSON payload without None values."""
    if is_dataclass(message) and not isinstance(message, type):
        result: dict[str, Any] = snake_to_camel_case(remove_nones(asdict(message)))
        return result
    assert isinstance(message, dict)
    return message


def from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = camel_to_snake_case(payload)
    return result


class OcppClient:
    """One websocket to the central system."""

    def __init__(self, websocket: ClientConnection, call_timeout_s: float = 30.0) -> None:
        self.websocket = websocket
        self.call_timeout_s = call_timeout_s
        self.handlers: dict[str, CallHandler] = {}
        self.received_errors: list[list[Any]] = []
        self.received_calls: list[tuple[str, dict[str, Any]]] = []  # the CSMS's, as parsed
        self.received_frames: list[str] = []  # the CSMS's Calls as they came on the wire
        self.raw_answers: asyncio.Queue[list[Any]] = asyncio.Queue()
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    async def connect(
        cls, url: str, subprotocol: str, *, call_timeout_s: float = 30.0, **kwargs: Any
    ) -> OcppClient:
        kwargs.setdefault("open_timeout", 10)
        websocket = await websockets.connect(
            url, subprotocols=[Subprotocol(subprotocol)], compression=None, **kwargs
        )
        client = cls(websocket, call_timeout_s)
        client._reader = asyncio.create_task(client._read())
        return client

    @property
    def subprotocol(self) -> str | None:
        return self.websocket.subprotocol

    async def close(self) -> None:
        await self.websocket.close()
        if self._reader is not None:
            await self._reader
        for task in list(self._tasks):
            task.cancel()

    async def call(self, action: str, message: Any) -> dict[str, Any]:
        """Send a Call; returns the CallResult payload (camelCase) or raises CallErrorReceived."""
        message_id = str(next(self._ids))
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self.send_raw(
            json.dumps([2, message_id, action, to_payload(message)], default=_default)
        )
        try:
            async with asyncio.timeout(self.call_timeout_s):
                frame = await future
        finally:
            self._pending.pop(message_id, None)
        if frame[0] == 4:
            raise CallErrorReceived(frame[2], frame[3], frame[4])
        payload: dict[str, Any] = frame[2]
        return payload

    async def send_raw(self, text: str) -> None:
        """Send any text, well-formed or not (tests of the central system's error answers)."""
        await self.websocket.send(text)

    async def _read(self) -> None:
        try:
            async for raw in self.websocket:
                frame = json.loads(raw, parse_float=Decimal)
                if frame[0] == 2:
                    self.received_calls.append((frame[2], frame[3]))
                    self.received_frames.append(raw if isinstance(raw, str) else raw.decode())
                    task = asyncio.create_task(self._answer(frame))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    continue
                future = self._pending.get(frame[1])
                if future is not None and not future.done():
                    future.set_result(frame)
                else:
                    await self.raw_answers.put(frame)
                if frame[0] == 4:
                    self.received_errors.append(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection closed"))

    async def _answer(self, frame: list[Any]) -> None:
        _, message_id, action, payload = frame
        handler = self.handlers.get(action)
        follow_up = None
        if handler is None:
            reply: list[Any] = [4, message_id, "NotSupported", f"{action} not simulated", {}]
        else:
            try:
                answer = await handler(payload)
                if isinstance(answer, tuple):
                    answer, follow_up = answer
                reply = [3, message_id, answer]
            except Exception as exc:  # the simulator answers like firmware would
                log.exception("simulated handler failed")
                reply = [4, message_id, "InternalError", str(exc), {}]
        try:
            await self.websocket.send(json.dumps(reply, default=_default))
        except websockets.ConnectionClosed:
            return
        if follow_up is not None:
            try:
                await follow_up()
            except Exception:  # reported like firmware logs it; the test sees the state
                log.exception("simulated follow-up failed")
