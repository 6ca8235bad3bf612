"""Stations: the list, one station, its operator, the local list version it holds.

``GET /api/stations/{station_id}/local-list-version`` asks the station itself
(1.6 GetLocalListVersion, 2.0.1 D02).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.changes import Change, ChangeRoute, ChangesResource, PathParams
from csms.api.error_status import answers_errors, guarded
from csms.api.parsing import Identifier
from csms.api.policy import scope_of
from csms.api.responses import error, found, reply

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService
    from csms.station_commands.local_lists import LocalListService


class StationList(BaseModel):
    stations: list[dict[str, object]]


class StationOperator(BaseModel):
    station_id: str
    operator_id: str


class StationOperatorChange(Change):
    operator_id: Identifier

    async def save(
        self, admin: AdminService, path: PathParams, scope: str | None
    ) -> StationOperator:  # admin keys only (policy.PERMISSIONS)
        await admin.assign_station(path["station_id"], self.operator_id)
        return StationOperator(station_id=path["station_id"], operator_id=self.operator_id)


SET_OPERATOR: Final = ChangeRoute(
    "PUT", "/api/stations/{station_id}/operator", StationOperatorChange, status=200
)


class ListVersion(BaseModel):
    station_id: str
    version: int


class StationsResource(ChangesResource):
    """Stations: as the read model has them, their operator, the local list they hold."""

    def __init__(
        self, read_model: ReadModel, admin: AdminService, local_lists: LocalListService
    ) -> None:
        super().__init__(admin, SET_OPERATOR)
        self._read_model = read_model
        self._local_lists = local_lists

    def routes(self) -> list[Route]:
        return [
            Route("/api/stations", answers_errors(self.list)),
            Route("/api/stations/{station_id}", answers_errors(self.get)),
            *super().routes(),
            Route("/api/stations/{station_id}/local-list-version", guarded(self.list_version)),
        ]

    async def list(self, request: Request) -> Response:
        return reply(StationList(stations=await self._read_model.list_stations(scope_of(request))))

    async def get(self, request: Request) -> Response:
        station = await self._read_model.station(
            request.path_params["station_id"], scope_of(request)
        )
        return found(station, "station")

    async def list_version(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        if await self._read_model.station(station_id, scope_of(request)) is None:
            return error(404, "no such station")
        version = await self._local_lists.station_version(station_id)
        return reply(ListVersion(station_id=station_id, version=version))
