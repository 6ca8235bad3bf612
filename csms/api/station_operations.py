"""Typed station operations: one route per daily operation, answered once the station replies.

``POST /api/stations/{station_id}/{operation}`` for reset, unlock, availability, clear-cache,
data-transfer, trigger and remote-start, and ``POST /api/sessions/{session_id}/remote-stop``.
Each body builds one version-neutral command (``station_commands.commands``); the station's
adapter maps it (a Reset Soft is 2.0.1 OnIdle, an evse_id on a 1.6 Reset is 400). The answer
is the station's: ``{"action", "status", "payload"}``; a CallError is 502 (``calls``).
The remote start sends the token exactly as given.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import BeforeValidator, Field, ValidationInfo
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.calls import station_answers, station_in_scope
from csms.api.commands import (
    ChangeAvailabilityBody,
    CommandAnswer,
    CommandBody,
    TriggerMessageBody,
    UnlockConnectorBody,
    command_body,
)
from csms.api.parsing import (
    NAME_MAX,
    OptionalCount,
    RequestBody,
    TokenId,
    optional_rule,
    read_body,
    session_id,
    text_rule,
)
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.station_commands import commands as station

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.station_commands.ports import StationGateway

RESET_TYPES: Final = ("Soft", "Hard", "Immediate", "OnIdle")
# Remote start ids of operator starts: above the remote_starts sequence's range, so a
# station's echo of one never claims an app start (those are issued from 1 up).
_OPERATOR_START_IDS: Final = 2**30


def _reset_type(value: object, info: ValidationInfo) -> str:
    if value not in RESET_TYPES:
        raise ValueError(f"type must be one of {', '.join(RESET_TYPES)}")
    return str(value)


class TypedResetBody(CommandBody):
    type: Annotated[str, BeforeValidator(_reset_type)] = "Soft"
    evse_id: OptionalCount = None

    def command(self) -> station.Reset:
        return station.Reset(self.type, self.evse_id)


class ClearCacheBody(CommandBody):
    makes = station.ClearCache


class DataTransferBody(CommandBody):
    makes = station.DataTransfer
    vendor_id: Annotated[str, text_rule(NAME_MAX)]
    message_id: Annotated[str | None, optional_rule(NAME_MAX)] = None
    data: Any = None


OPERATIONS: Final[dict[str, type[CommandBody]]] = {
    "reset": TypedResetBody,
    "unlock": UnlockConnectorBody,
    "availability": ChangeAvailabilityBody,
    "clear-cache": ClearCacheBody,
    "data-transfer": DataTransferBody,
    "trigger": TriggerMessageBody,
}


class RemoteStartBody(RequestBody):
    id_token: TokenId
    evse_id: OptionalCount = None
    charging_profile: dict[str, Any] | None = Field(default=None, max_length=50)


class StationOperationsResource:
    def __init__(self, gateway: StationGateway, read_model: ReadModel) -> None:
        self._gateway = gateway
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [
            *(
                Route(
                    f"/api/stations/{{station_id}}/{name}",
                    station_answers(self._operation(name, model)),
                    methods=["POST"],
                )
                for name, model in OPERATIONS.items()
            ),
            Route(
                "/api/stations/{station_id}/remote-start",
                station_answers(self.remote_start),
                methods=["POST"],
            ),
            Route(
                "/api/sessions/{session_id}/remote-stop",
                station_answers(self.remote_stop),
                methods=["POST"],
            ),
        ]

    def _operation(self, name: str, model: type[CommandBody]) -> Any:
        async def operate(request: Request) -> Response:
            body = await command_body(request, name, model)
            return await self._send(request, body.command())

        operate.__name__ = name.replace("-", "_")
        return operate

    async def _send(self, request: Request, command: station.StationCommand) -> Response:
        station_id, _ = await station_in_scope(self._read_model, request)
        return reply(CommandAnswer(await self._gateway.send(station_id, command)))

    async def remote_start(self, request: Request) -> Response:
        """1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction, the token as given."""
        body = await read_body(request, RemoteStartBody)
        start_id = _OPERATOR_START_IDS + secrets.randbelow(_OPERATOR_START_IDS - 1)
        command = station.RemoteStart(body.evse_id, body.id_token, start_id, body.charging_profile)
        return await self._send(request, command)

    async def remote_stop(self, request: Request) -> Response:
        """Stop an active session (404: unknown, or another operator's; 409: ended)."""
        found = await self._read_model.session(session_id(request), scope_of(request))
        if found is None:
            return error(404, "no such session")
        transaction_id = found.get("transaction_id")
        if found.get("state") != "active" or not isinstance(transaction_id, str):
            return error(409, "the session has already ended")
        station_id = str(found["station_id"])
        result = await self._gateway.send(station_id, station.RemoteStop(transaction_id))
        return reply(CommandAnswer(result))
