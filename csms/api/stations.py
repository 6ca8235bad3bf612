"""Stations: the list, one station, its operator, the local list version it holds.

``GET /api/stations/{station_id}/local-list-version`` asks the station itself
(1.6 GetLocalListVersion, 2.0.1 D02).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, RootModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import answers_errors, guarded
from csms.api.parsing import RequestBody, Text, read_body
from csms.api.responses import error, reply

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService
    from csms.station_commands.local_lists import LocalListService


class StationList(BaseModel):
    stations: list[dict[str, object]]


StationRow = RootModel[dict[str, object]]  # a station as the read model gives it


class StationOperatorChange(RequestBody):
    operator_id: Text


class StationOperator(BaseModel):
    station_id: str
    operator_id: str


class ListVersion(BaseModel):
    station_id: str
    version: int


class StationsResource:
    def __init__(
        self, read_model: ReadModel, admin: AdminService, local_lists: LocalListService
    ) -> None:
        self._read_model = read_model
        self._admin = admin
        self._local_lists = local_lists

    def routes(self) -> list[Route]:
        return [
            Route("/api/stations", answers_errors(self.list)),
            Route("/api/stations/{station_id}", answers_errors(self.get)),
            Route(
                "/api/stations/{station_id}/operator", guarded(self.set_operator), methods=["PUT"]
            ),
            Route("/api/stations/{station_id}/local-list-version", guarded(self.list_version)),
        ]

    async def list(self, request: Request) -> Response:
        return reply(StationList(stations=await self._read_model.list_stations()))

    async def get(self, request: Request) -> Response:
        station = await self._read_model.station(request.path_params["station_id"])
        if station is None:
            return error(404, "no such station")
        return reply(StationRow(station))

    async def set_operator(self, request: Request) -> Response:
        body = await read_body(request, StationOperatorChange)
        station_id = request.path_params["station_id"]
        await self._admin.assign_station(station_id, body.operator_id)
        return reply(StationOperator(station_id=station_id, operator_id=body.operator_id))

    async def list_version(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        version = await self._local_lists.station_version(station_id)
        return reply(ListVersion(station_id=station_id, version=version))
