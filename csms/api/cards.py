"""``POST /api/cards``: add or change an id token (a member card, a FeliCa IDm, ...);
``GET /api/cards``: the cards."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.changes import Change, ChangeRoute, PathParams
from csms.api.error_status import guarded
from csms.api.parsing import Moment, OptionalIdentifier, OptionalTokenId, TokenId, member_of
from csms.api.policy import scope_of
from csms.api.responses import reply
from csms.api.route_models import describe
from csms.authorization.models import TokenKind, TokenStatus

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService


class CardSaved(BaseModel):
    id_token: str  # in normal form


class CardChange(Change):
    id_token: TokenId
    status: Annotated[TokenStatus, member_of(TokenStatus)] = TokenStatus.ACCEPTED
    kind: Annotated[TokenKind, member_of(TokenKind)] = TokenKind.UNKNOWN
    expires_at: Moment = None
    group_id: OptionalTokenId = None  # 1.6 parentIdTag, 2.0.1 groupIdToken
    operator_id: OptionalIdentifier = None
    account_id: OptionalIdentifier = None

    async def save(self, admin: AdminService, path: PathParams, scope: str | None) -> CardSaved:
        return CardSaved(id_token=await admin.set_token(**self.model_dump(), scope=scope))


ROUTE: Final = ChangeRoute("POST", "/api/cards", CardChange)


class CardBody(BaseModel):
    id_token: str
    kind: str
    status: str
    expires_at: datetime | None
    group_id: str | None
    operator_id: str | None
    account_id: str | None


class CardList(BaseModel):
    cards: list[CardBody]


class CardsResource:
    """``GET /api/cards``: the cards within the caller's operator (a viewer's are masked)."""

    def __init__(self, read_model: ReadModel) -> None:
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [Route("/api/cards", guarded(self.list), methods=["GET"])]

    @describe(answer=CardList)
    async def list(self, request: Request) -> Response:
        """Every card (id token) of the caller's operator."""
        found = await self._read_model.list_tokens(scope_of(request))
        cards = [
            CardBody(
                id_token=t.id_token,
                kind=t.kind.value,
                status=t.status.value,
                expires_at=t.expires_at,
                group_id=t.group_id,
                operator_id=t.operator_id,
                account_id=t.account_id,
            )
            for t in found
        ]
        return reply(CardList(cards=cards))
