"""``POST /public/stands/{stand_id}/visits``: the visitor's registration page backend.

Seed 000: one URL per stand; register, then touch any FeliCa card within 60 s (or get a
one-time password where the stand uses them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import RootModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import Flag, RequestBody, Text, read_body
from csms.api.responses import reply
from csms.authorization.visitors import VisitRegistered

if TYPE_CHECKING:
    from csms.authorization.visitors import VisitorService


class Registration(RequestBody):
    notify: Flag = False
    name: Text
    email: Text
    payment_reference: Text  # a payment service's reference


Visit = RootModel[VisitRegistered]  # the card window's end, or the password and its expiry


class VisitorsResource:
    def __init__(self, visitors: VisitorService) -> None:
        self._visitors = visitors

    def routes(self) -> list[Route]:
        return [Route("/public/stands/{stand_id}/visits", guarded(self.register), methods=["POST"])]

    async def register(self, request: Request) -> Response:
        """Seed 000: register, then touch any FeliCa card within 60 s (or get a password)."""
        body = await read_body(request, Registration)
        visit = await self._visitors.register(
            request.path_params["stand_id"],
            body.name,
            body.email,
            body.payment_reference,
            notify=body.notify,
        )
        return reply(Visit(visit), 201)
