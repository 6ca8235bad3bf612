"""``POST /api/operators``: add or rename an operator (a CPO)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import RequestBody, Text, read_body
from csms.api.responses import reply

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class NewOperator(RequestBody):
    operator_id: Text
    name: Text


class OperatorSaved(BaseModel):
    operator_id: str


class OperatorsResource:
    def __init__(self, admin: AdminService) -> None:
        self._admin = admin

    def routes(self) -> list[Route]:
        return [Route("/api/operators", guarded(self.add), methods=["POST"])]

    async def add(self, request: Request) -> Response:
        body = await read_body(request, NewOperator)
        await self._admin.add_operator(body.operator_id, body.name)
        return reply(OperatorSaved(operator_id=body.operator_id), 201)
