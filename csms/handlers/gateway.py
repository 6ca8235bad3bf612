"""``LocalGateway``: the core's ``StationGateway`` port over this node's live connections.

The port speaks of station ids and commands only, never of sockets, so a later gateway can
reach a station connected to another node (style.md §2) [maeve ``CallMaker``].

Commands are bounded: at most ``queue_limit`` wait per station (the one in flight included;
one more is ``StationBusy`` at once), and each ends within the connection's call deadline
(``StationConnection.call``). A command the station's version cannot carry (a 1.6
TriggerMessage of ``TransactionEvent``, a key over the schema's length) is ``InvalidInput``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

import structlog

from csms.errors import InvalidInput, StationBusy, StationNotConnected
from csms.handlers.registry import ConnectionRegistry, LiveStation
from csms.handlers.schema_order import in_schema_order
from csms.handlers.wire.codec import payload_of
from csms.station_commands.commands import CommandResult, RawCall, StationCommand

log = structlog.get_logger(__name__)

DEFAULT_QUEUE_LIMIT: Final = 8


class LocalGateway:
    """Sends a command to a station connected to this process and returns its answer."""

    def __init__(
        self, registry: ConnectionRegistry, queue_limit: int = DEFAULT_QUEUE_LIMIT
    ) -> None:
        self._registry = registry
        self._queue_limit = queue_limit
        self._waiting: Counter[str] = Counter()  # station id -> commands submitted, unanswered

    def is_connected(self, station_id: str) -> bool:
        """Whether the station has a live connection here."""
        return station_id in self._registry

    async def send(self, station_id: str, command: StationCommand) -> CommandResult:
        """Send ``command`` as the station's version's Call; its answer as a result.

        Raises:
            StationNotConnected, StationBusy, StationTimeout, StationRejected, InvalidInput.
        """
        live = self._registry.get(station_id)
        if live is None:
            raise StationNotConnected(station_id)
        action, message = _call_of(live, command)
        if self._waiting[station_id] >= self._queue_limit:
            raise StationBusy(station_id, self._queue_limit)
        self._waiting[station_id] += 1
        try:
            with structlog.contextvars.bound_contextvars(station_id=station_id, action=action):
                payload = await live.connection.call(action, message)
                log.info("station_command_answered", status=payload.get("status"))
        finally:
            self._waiting[station_id] -= 1
            if not self._waiting[station_id]:
                del self._waiting[station_id]
        status = payload.get("status")
        return CommandResult(action, str(status) if status is not None else None, payload)


def _call_of(live: LiveStation, command: StationCommand) -> tuple[str, dict[str, Any]]:
    """The version's Call for ``command`` (action, payload in the schema's field order); a
    value its enums do not have is InvalidInput. A ``RawCall`` keeps its action's name."""
    try:
        message = live.adapter.to_call(command)
    except ValueError as exc:  # e.g. enums.MessageTrigger("Coffee")
        raise InvalidInput(f"bad command for this station: {exc}") from exc
    action = command.action if isinstance(command, RawCall) else type(message).__name__
    dialect = live.connection.dialect
    payload = payload_of(message)
    return action, in_schema_order(dialect.schema_package, action + dialect.request_suffix, payload)
