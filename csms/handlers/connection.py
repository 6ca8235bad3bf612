"""One station's OCPP-J connection: read frames, route answers at once, handle Calls in order.

OCPP-J (1.6J §4.1.1, 2.0.1 Part 4 §4.1.1) allows one outstanding Call per direction.
The reader never waits on a handler: CALLRESULT and CALLERROR frames resolve the
pending CSMS call immediately, so an operator call completes while a station's own
message is still being handled; the station's Calls go through one queue and one
worker, so its transaction messages are handled in the order they were sent.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Final

import structlog
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from csms.errors import InvalidInput, StationNotConnected, StationRejected, StationTimeout
from csms.handlers.routing import Handler
from csms.handlers.wire.codec import payload_of
from csms.handlers.wire.dialects import Dialect, ErrorCode, RpcError
from csms.handlers.wire.frames import (
    Call,
    CallError,
    CallResult,
    call_frame,
    error_frame,
    parse_frame,
    result_frame,
)
from csms.handlers.wire.guard import handler_arguments
from csms.handlers.wire.schemas import Schemas
from csms.observability import OCPP_CALLS_SENT, OCPP_MESSAGE_DURATION, OCPP_MESSAGES

log = structlog.get_logger(__name__)

_QUEUE_LIMIT: Final = 32
_CONNECTIONS: Final = itertools.count(1)
_STOP: Final = object()


@dataclass
class _Pending:
    action: str
    future: asyncio.Future[dict[str, Any]] = field(repr=False)


@dataclass(frozen=True)
class VersionWire:
    """How a server speaks one OCPP version: its error spellings, its schemas, a Call's time."""

    dialect: Dialect
    schemas: Schemas
    call_timeout_s: float


class StationConnection:
    """Owns the websocket of one station for the lifetime of the connection."""

    def __init__(
        self,
        websocket: ServerConnection,
        station_id: str,
        wire: VersionWire,
        handlers: dict[str, Handler],
    ) -> None:
        self.websocket = websocket
        self.station_id = station_id
        self.dialect = wire.dialect
        self._schemas = wire.schemas
        self._call_timeout_s = wire.call_timeout_s
        self._handlers = handlers
        self._calls: asyncio.Queue[object] = asyncio.Queue(_QUEUE_LIMIT)
        self._pending: dict[str, _Pending] = {}
        self._outgoing_lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._id_prefix = f"{next(_CONNECTIONS):x}"  # unique per connection, no syscall
        self._draining = False
        self._closed = False  # the socket is gone: no Call is sent any more
        self.idle = asyncio.Event()
        self.idle.set()
        self._after_reply: list[Callable[[], Coroutine[Any, Any, Any]]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self) -> None:
        """Read until the socket closes; the worker finishes the Call in progress."""
        worker = asyncio.create_task(self._work(), name=f"ocpp-worker-{self.station_id}")
        try:
            async for raw in self.websocket:
                if self._draining:
                    break
                await self._route(raw)
        except ConnectionClosed:
            pass
        finally:
            self._fail_pending()
            await self._calls.put(_STOP)
            await worker
            for task in list(self._tasks):
                task.cancel()

    def after_reply(self, job: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run ``job`` once the answer to the Call being handled is sent (e.g. a local-list
        push after BootNotification). It runs as a task the connection owns; never await a
        CSMS call inside a handler."""
        self._after_reply.append(job)

    def _start_jobs(self) -> None:
        jobs, self._after_reply = self._after_reply, []
        for job in jobs:
            task = asyncio.create_task(job())
            self._tasks.add(task)
            task.add_done_callback(self._job_done)

    def _job_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("connection_job_failed", error=repr(task.exception()))

    async def drain(self) -> None:
        """Stop taking new Calls and wait for the one in progress (graceful shutdown)."""
        self._draining = True
        await self.idle.wait()

    async def close(self, code: int, reason: str) -> None:
        """Close the socket (RFC 6455 §7.4 code), e.g. 1001 at shutdown, 1000 when replaced."""
        await self.websocket.close(code, reason)

    async def _route(self, raw: str | bytes) -> None:
        try:
            frame = parse_frame(raw)
        except RpcError as error:
            self._count("unparsable", error.code.value)
            log.warning("ocpp_frame_rejected", code=error.code.value, reason=error.description)
            await self._send(error_frame(self.dialect, error))
            return
        if isinstance(frame, Call):
            self.idle.clear()
            await self._calls.put(frame)
        else:
            self._resolve(frame)

    def _resolve(self, frame: CallResult | CallError) -> None:
        pending = self._pending.pop(frame.message_id, None)
        if pending is None or pending.future.done():
            log.warning("ocpp_unexpected_answer", message_id=frame.message_id)
            return
        rejection = self._rejection(pending.action, frame)
        if rejection is not None:
            pending.future.set_exception(rejection)
        elif isinstance(frame, CallResult):
            pending.future.set_result(frame.payload)

    def _rejection(self, action: str, frame: CallResult | CallError) -> StationRejected | None:
        """Why an answer is no result: the station's CALLERROR, or a payload off its schema."""
        if isinstance(frame, CallError):
            return StationRejected(self.station_id, action, frame.code, frame.description)
        try:
            self._schemas.validate_response(action, frame.payload, frame.message_id)
        except RpcError as error:
            return StationRejected(self.station_id, action, error.code.value, error.description)
        return None

    async def _work(self) -> None:
        while True:
            item = await self._calls.get()
            if item is _STOP:
                return
            assert isinstance(item, Call)
            try:
                await self._handle(item)
            except Exception:  # the worker must outlive any one message, or the socket hangs
                log.exception("ocpp_message_failed", message_id=item.message_id)
            if self._calls.empty():
                self.idle.set()

    async def _handle(self, call: Call) -> None:
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(
            action=call.action, message_id=call.message_id
        ):
            outcome = "ok"
            try:
                payload = await self._dispatch(call)
                frame = result_frame(call.message_id, payload)
            except RpcError as error:
                error.message_id = call.message_id
                outcome = error.code.value
                frame = error_frame(self.dialect, error)
            duration_s = time.perf_counter() - started
            await self._send(frame)
            self._start_jobs()
            action = call.action if call.action in self._schemas.actions else "unknown"
            self._count(action, outcome)
            OCPP_MESSAGE_DURATION.labels(self.dialect.version, action).observe(duration_s)
            log.info("ocpp_message_handled", duration_s=round(duration_s, 6), outcome=outcome)

    async def _dispatch(self, call: Call) -> dict[str, Any]:
        if call.action not in self._schemas.actions:
            raise RpcError(ErrorCode.NOT_IMPLEMENTED, f"unknown action {call.action!r}")
        handler = self._handlers.get(call.action)
        if handler is None:
            raise RpcError(ErrorCode.NOT_SUPPORTED, f"{call.action} is not supported")
        self._schemas.validate_request(call.action, call.payload, call.message_id)
        try:
            result = payload_of(await handler(**handler_arguments(call.payload)))
        except RpcError:
            raise
        except InvalidInput as exc:
            raise RpcError(ErrorCode.PROPERTY_CONSTRAINT, str(exc)) from exc
        except Exception as exc:  # message boundary: answer, log, keep the connection
            log.exception("ocpp_handler_failed")
            raise RpcError(ErrorCode.INTERNAL, "the central system could not process it") from exc
        try:
            self._schemas.validate_response(call.action, result, call.message_id)
        except RpcError as error:
            log.error("ocpp_invalid_response", reason=error.description)
            raise RpcError(
                ErrorCode.INTERNAL, "the central system built an invalid answer"
            ) from error
        return result

    async def call(self, action: str, payload: Any) -> dict[str, Any]:
        """Send a CSMS-initiated Call and wait for the answer.

        One Call at a time per station (OCPP-J 1.6 §4.1.1, 2.0.1 Part 4 §4.1.1), so Calls
        queue here; one deadline (``call_timeout_s``) runs from the submission and covers
        the wait in that queue as well as the station's answer.

        Raises:
            StationTimeout: the deadline passed (queued or in flight).
            StationRejected: a CALLERROR, or an answer off the schema.
            StationNotConnected: the socket closed while the Call waited or was in flight.
            InvalidInput: the payload is off the action's schema (nothing is sent).
        """
        body = payload_of(payload)
        try:
            self._schemas.validate_request(action, body, "-")
        except RpcError as error:
            raise InvalidInput(f"{action}: {error.description}") from error
        outcome = "ok"
        try:
            async with asyncio.timeout(self._call_timeout_s), self._outgoing_lock:
                return await self._exchange(action, body)
        except TimeoutError as exc:
            outcome = "timeout"
            raise StationTimeout(self.station_id, action, self._call_timeout_s) from exc
        except StationRejected:
            outcome = "rejected"
            raise
        except StationNotConnected:
            outcome = "not_connected"
            raise
        finally:
            OCPP_CALLS_SENT.labels(self.dialect.version, action, outcome).inc()

    async def _exchange(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send the Call (the outgoing lock held) and wait for its answer."""
        if self._closed:
            raise StationNotConnected(self.station_id)
        message_id = f"{self._id_prefix}-{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = _Pending(action, future)
        try:
            await self._send(call_frame(message_id, action, body))
            return await future
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the caller's own cancellation (or the deadline's): not ours to hide
            raise StationNotConnected(self.station_id) from None  # the future was dropped
        finally:
            self._pending.pop(message_id, None)

    def _fail_pending(self) -> None:
        """The socket is gone: every Call waiting for an answer ends as not connected."""
        self._closed = True
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(StationNotConnected(self.station_id))

    async def _send(self, text: str) -> None:
        try:
            await self.websocket.send(text)
        except ConnectionClosed:
            log.warning("ocpp_send_on_closed_connection")

    def _count(self, action: str, outcome: str) -> None:
        OCPP_MESSAGES.labels(self.dialect.version, action, outcome).inc()
