"""Operator commands to a connected station: ``POST /api/stations/{id}/commands/{name}``.

The first command routes; the typed operations (``station_operations``, ``station_settings``)
and the generic call (``calls``) cover these too and more.

Each body model builds one core command; the ``StationGateway`` turns it into the station's
version of the message (1.6 GetConfiguration or 2.0.1 GetVariables, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, ClassVar, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    ValidationError,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import BadRequest, answers_errors
from csms.api.parsing import (
    FREE_TEXT_MAX,
    NAME_MAX,
    Count,
    Identifier,
    OptionalCount,
    problem,
    text_rule,
)
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.station_commands import commands as station

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.station_commands.ports import StationGateway


class CommandBody(BaseModel):
    """A command's JSON body: only its own keys, each of its exact JSON type.

    ``makes`` is the core command of the same fields that the body builds.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    makes: ClassVar[Callable[..., station.StationCommand]]

    def command(self) -> station.StationCommand:
        return self.makes(**self.model_dump())


ConfigurationKey = Annotated[str, text_rule(NAME_MAX)]  # 2.0.1: Component.Variable
ConfigurationValue = Annotated[str, text_rule(FREE_TEXT_MAX, empty=True)]


class GetConfigurationBody(CommandBody):
    keys: list[ConfigurationKey] = Field(default_factory=list, max_length=100)

    def command(self) -> station.GetConfiguration:
        return station.GetConfiguration(tuple(self.keys))


class SetConfigurationBody(CommandBody):
    makes = station.SetConfiguration
    key: ConfigurationKey
    value: ConfigurationValue


class TriggerMessageBody(CommandBody):
    makes = station.TriggerMessage
    message: Identifier  # the version's MessageTrigger; another word is 400 (the gateway)
    evse_id: OptionalCount = None


class ResetBody(CommandBody):
    hard: StrictBool = False

    def command(self) -> station.Reset:
        return station.Reset("Hard" if self.hard else "Soft")


class UnlockConnectorBody(CommandBody):
    makes = station.UnlockConnector
    evse_id: Count
    connector_id: Count = 1


class ChangeAvailabilityBody(CommandBody):
    makes = station.ChangeAvailability
    operative: StrictBool
    evse_id: OptionalCount = None


COMMANDS: Final[dict[str, type[CommandBody]]] = {
    "get-configuration": GetConfigurationBody,
    "set-configuration": SetConfigurationBody,
    "trigger-message": TriggerMessageBody,
    "reset": ResetBody,
    "unlock-connector": UnlockConnectorBody,
    "change-availability": ChangeAvailabilityBody,
}

CommandAnswer = RootModel[station.CommandResult]  # action, status word, the full payload


async def command_body(request: Request, name: str, model: type[CommandBody]) -> CommandBody:
    """The validated body (an empty one is ``{}``), or BadRequest ``bad body for NAME: ...``."""
    try:
        body = await request.json() if await request.body() else {}
    except ValueError as exc:
        raise BadRequest(f"bad body for {name}: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest(f"bad body for {name}: expected a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadRequest(f"bad body for {name}: {problem(exc)}") from exc


class CommandsResource:
    def __init__(self, gateway: StationGateway, read_model: ReadModel) -> None:
        self._gateway = gateway
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [
            Route(
                "/api/stations/{station_id}/commands/{command}",
                answers_errors(self.send),
                methods=["POST"],
            )
        ]

    async def send(self, request: Request) -> Response:
        name = request.path_params["command"]
        model = COMMANDS.get(name)
        if model is None:
            return error(404, f"unknown command {name!r}; known: {sorted(COMMANDS)}")
        body = await command_body(request, name, model)
        station_id = request.path_params["station_id"]
        if await self._read_model.station(station_id, scope_of(request)) is None:
            return error(404, "no such station")  # another operator's is not found either
        result = await self._gateway.send(station_id, body.command())
        return reply(CommandAnswer(result))
