"""Every command sent to a station is audited: who, which command, which station, the answer.

It wraps the ``StationGateway`` port, so commands sent by the API, by a member's app start
and by the central system itself (a local list on connect) are all recorded, each with the
station's answer or the error (not connected, time-out, a CallError).
"""

from __future__ import annotations

from typing import Final

from csms.access.actor import current_actor
from csms.access.models import AuditEntry
from csms.access.service import AccessService
from csms.clock import Clock
from csms.errors import (
    StationBusy,
    StationCommandError,
    StationNotConnected,
    StationRejected,
    StationTimeout,
)
from csms.station_commands.commands import CommandResult, RawCall, StationCommand
from csms.station_commands.ports import StationGateway

_OUTCOME: Final[tuple[tuple[type[StationCommandError], str], ...]] = (
    (StationBusy, "busy"),
    (StationNotConnected, "not connected"),
    (StationTimeout, "timeout"),
    (StationRejected, "rejected"),
)


def _outcome_of(exc: StationCommandError) -> str:
    return next((word for kind, word in _OUTCOME if isinstance(exc, kind)), "failed")


class AuditedGateway:
    """A ``StationGateway`` that records each command and its answer in the audit log."""

    def __init__(self, gateway: StationGateway, access: AccessService, clock: Clock) -> None:
        self._gateway = gateway
        self._access = access
        self._clock = clock

    def is_connected(self, station_id: str) -> bool:
        return self._gateway.is_connected(station_id)

    async def send(self, station_id: str, command: StationCommand) -> CommandResult:
        try:
            result = await self._gateway.send(station_id, command)
        except StationCommandError as exc:
            action = command.action if isinstance(command, RawCall) else type(command).__name__
            await self._record(station_id, action, _outcome_of(exc), error=str(exc))
            raise
        await self._record(
            station_id, result.action, result.status or "answered", answer=dict(result.payload)
        )
        return result

    async def _record(
        self,
        station_id: str,
        action: str,
        outcome: str,
        *,
        answer: dict[str, object] | None = None,
        error: str | None = None,
    ) -> None:
        actor = current_actor.get()
        entry = AuditEntry(
            at=self._clock.now(),
            actor=actor.name,
            role=actor.role,
            action=action,
            target=station_id,
            station_id=station_id,
            operator_id=None,  # the station's owner, looked up when it is stored
            outcome=outcome,
            answer=answer,
            error=error,
        )
        await self._access.record(entry)
