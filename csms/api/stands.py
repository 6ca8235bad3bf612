"""``POST /api/stands``: give a station's EVSE a public stand id (seed 000 SID)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import Count, OptionalText, RequestBody, Text, Truthy, read_body
from csms.api.responses import reply
from csms.authorization.models import Stand

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class NewStand(RequestBody):
    stand_id: Text
    station_id: Text
    evse_id: Count
    label: OptionalText = None
    uses_passwords: Truthy = False  # visitors get a one-time keypad password

    def stand(self) -> Stand:
        return Stand(self.stand_id, self.station_id, self.evse_id, self.label, self.uses_passwords)


class StandSaved(BaseModel):
    stand_id: str


class StandsResource:
    def __init__(self, admin: AdminService) -> None:
        self._admin = admin

    def routes(self) -> list[Route]:
        return [Route("/api/stands", guarded(self.add), methods=["POST"])]

    async def add(self, request: Request) -> Response:
        stand = (await read_body(request, NewStand)).stand()
        await self._admin.add_stand(stand)
        return reply(StandSaved(stand_id=stand.stand_id), 201)
