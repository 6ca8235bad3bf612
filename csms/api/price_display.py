"""What a station's screen shows of the price (seed 002 第10条):
``PUT /api/stations/{station_id}/price-display {"cost_messages": bool, "language": "ja"|"en"}``
and its GET. ``cost_messages`` turns on the Open Charge Alliance's costmsg DataTransfer for a
1.6 station that supports it (2.0.1 stations always get CostUpdated and the final cost)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import RequestBody, read_body
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.charging.price_display import DisplaySettings

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.charging.price_display import PriceDisplay


class DisplayChange(RequestBody):
    cost_messages: bool = False
    language: Literal["ja", "en"] = "ja"


class DisplayOut(BaseModel):
    station_id: str
    cost_messages: bool
    language: str


class PriceDisplayResource:
    def __init__(self, prices: PriceDisplay, read_model: ReadModel) -> None:
        self._prices = prices
        self._read_model = read_model

    def routes(self) -> list[Route]:
        path = "/api/stations/{station_id}/price-display"
        return [
            Route(path, guarded(self.configure), methods=["PUT"]),
            Route(path, guarded(self.show), methods=["GET"]),
        ]

    async def configure(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        if await self._read_model.station(station_id, scope_of(request)) is None:
            return error(404, "no such station")
        body = await read_body(request, DisplayChange)
        saved = await self._prices.configure(
            station_id, DisplaySettings(body.cost_messages, body.language)
        )
        return reply(DisplayOut(station_id=station_id, **_fields(saved)))

    async def show(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        if await self._read_model.station(station_id, scope_of(request)) is None:
            return error(404, "no such station")
        found = await self._prices.settings_of(station_id)
        return reply(DisplayOut(station_id=station_id, **_fields(found)))


def _fields(settings: DisplaySettings) -> dict[str, object]:
    return {"cost_messages": settings.cost_messages, "language": settings.language}
