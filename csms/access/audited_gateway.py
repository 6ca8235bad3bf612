"""Every command sent to a station is audited: who, which command, which station, the answer.

It wraps the ``StationGateway`` port, so commands sent by the API, by a member's app start
and by the central system itself (a local list on connect) are all recorded, each with the
station's answer or the error (not connected, time-out, a CallError).
"""

from __future__ import annotations

from typing import Any, Final

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


# Credentials a station may (wrongly) report in its configuration: never stored in the audit.
_SECRET_NAMES: Final = frozenset({"authorizationkey", "basicauthpassword"})


def _secret(item: dict[str, Any]) -> bool:
    names = (item.get("key"), (item.get("variable") or {}).get("name"))
    return any(isinstance(n, str) and n.lower() in _SECRET_NAMES for n in names)


def _without_secrets(payload: dict[str, Any]) -> dict[str, Any]:
    """The answer with the values of credential keys (1.6 configurationKey, 2.0.1
    getVariableResult) replaced, so that the audit log never holds a station's password."""
    answer = dict(payload)
    for field, value_field in (
        ("configurationKey", "value"),
        ("getVariableResult", "attributeValue"),
    ):
        items = answer.get(field)
        if isinstance(items, list):
            answer[field] = [
                {**i, value_field: "[not stored]"} if isinstance(i, dict) and _secret(i) else i
                for i in items
            ]
    return answer


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
            station_id,
            result.action,
            result.status or "answered",
            answer=_without_secrets(result.payload),
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
