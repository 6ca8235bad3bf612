"""``POST /api/cards``: add or change an id token (a member card, a FeliCa IDm, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import Moment, OptionalText, RequestBody, Text, member_of, read_body
from csms.api.responses import reply
from csms.authorization.models import TokenKind, TokenStatus

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class CardChange(RequestBody):
    id_token: Text
    status: Annotated[TokenStatus, member_of(TokenStatus)] = TokenStatus.ACCEPTED
    kind: Annotated[TokenKind, member_of(TokenKind)] = TokenKind.UNKNOWN
    expires_at: Moment = None
    group_id: OptionalText = None  # 1.6 parentIdTag, 2.0.1 groupIdToken
    operator_id: OptionalText = None
    account_id: OptionalText = None


class CardSaved(BaseModel):
    id_token: str  # in normal form


class CardsResource:
    def __init__(self, admin: AdminService) -> None:
        self._admin = admin

    def routes(self) -> list[Route]:
        return [Route("/api/cards", guarded(self.save), methods=["POST"])]

    async def save(self, request: Request) -> Response:
        body = await read_body(request, CardChange)
        value = await self._admin.set_token(
            body.id_token,
            body.status,
            kind=body.kind,
            expires_at=body.expires_at,
            group_id=body.group_id,
            operator_id=body.operator_id,
            account_id=body.account_id,
        )
        return reply(CardSaved(id_token=value), 201)
