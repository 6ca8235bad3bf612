"""The generic call: ``POST /api/stations/{station_id}/calls/{action}``.

The body is the OCPP request payload of the station's version (camelCase), checked against
that version's schema for ``action`` (400 with the schema's complaint; 400 too for an action
a central system does not send in that version), sent through the station gateway (so it is
audited with the answer) and answered ``{"action", "response"}``. A CallError from the
station is 502 ``{"error", "code": "station_error", "station_code", "description"}``. What
the central system records of an action's effect (the list version a SendLocalList leaves
on the station) is recorded as for the typed operation.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import Endpoint, guarded
from csms.api.parsing import json_object
from csms.api.policy import scope_of
from csms.api.responses import ExactJSONResponse, error, reply
from csms.errors import StationRejected
from csms.station_commands.commands import RawCall

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.station_commands.local_lists import LocalListService
    from csms.station_commands.ports import StationGateway


class CallAnswer(BaseModel):
    action: str
    response: dict[str, Any]


def station_error(exc: StationRejected) -> ExactJSONResponse:
    """The station's CallError: 502 with its OCPP error code and description."""
    body = {
        "error": str(exc),
        "code": "station_error",
        "station_code": exc.code,
        "description": exc.description,
    }
    return ExactJSONResponse(body, status_code=502)


class NoSuchStation(Exception):
    """The path's station is unknown, or another operator's: 404 ``no_such_station``."""


def station_answers(endpoint: Endpoint) -> Endpoint:
    """``guarded``, a station's CallError answered by :func:`station_error`."""

    @functools.wraps(endpoint)
    async def answering(request: Request) -> Response:
        try:
            return await endpoint(request)
        except StationRejected as exc:
            return station_error(exc)
        except NoSuchStation:
            return error(404, "no such station")

    return guarded(answering)


async def station_in_scope(
    read_model: ReadModel, request: Request
) -> tuple[str, dict[str, object]]:
    """The path's station id and its row; NoSuchStation if unknown or another operator's."""
    station_id = request.path_params["station_id"]
    found = await read_model.station(station_id, scope_of(request))
    if found is None:
        raise NoSuchStation(station_id)
    return station_id, found


class CallsResource:
    def __init__(
        self, gateway: StationGateway, read_model: ReadModel, local_lists: LocalListService
    ) -> None:
        self._gateway = gateway
        self._read_model = read_model
        self._local_lists = local_lists

    def routes(self) -> list[Route]:
        return [
            Route(
                "/api/stations/{station_id}/calls/{action}",
                station_answers(self.call),
                methods=["POST"],
            )
        ]

    async def call(self, request: Request) -> Response:
        station_id, _ = await station_in_scope(self._read_model, request)
        sent = RawCall(request.path_params["action"], await json_object(request))
        result = await self._gateway.send(station_id, sent)
        await self._local_lists.after_raw_call(station_id, sent, result)
        return reply(CallAnswer(action=result.action, response=dict(result.payload)))
