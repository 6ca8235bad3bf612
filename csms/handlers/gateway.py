"""``LocalGateway``: the core's ``StationGateway`` port over this node's live connections.

The port speaks of station ids and commands only, never of sockets, so a later gateway can
reach a station connected to another node (style.md §2) [maeve ``CallMaker``].
"""

from __future__ import annotations

import structlog

from csms.errors import StationNotConnected
from csms.handlers.registry import ConnectionRegistry
from csms.station_commands.commands import CommandResult, StationCommand

log = structlog.get_logger(__name__)


class LocalGateway:
    """Sends a command to a station connected to this process and returns its answer."""

    def __init__(self, registry: ConnectionRegistry) -> None:
        self._registry = registry

    def is_connected(self, station_id: str) -> bool:
        """Whether the station has a live connection here."""
        return station_id in self._registry

    async def send(self, station_id: str, command: StationCommand) -> CommandResult:
        """Send ``command`` as the station's version's Call; its answer as a result.

        Raises:
            StationNotConnected, StationTimeout, StationRejected.
        """
        live = self._registry.get(station_id)
        if live is None:
            raise StationNotConnected(station_id)
        message = live.adapter.to_call(command)
        action = type(message).__name__
        with structlog.contextvars.bound_contextvars(station_id=station_id, action=action):
            payload = await live.connection.call(action, message)
            log.info("station_command_answered", status=payload.get("status"))
        status = payload.get("status")
        return CommandResult(action, str(status) if status is not None else None, payload)
