"""``POST /api/cards``: add or change an id token (a member card, a FeliCa IDm, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BaseModel

from csms.api.changes import Change, ChangeRoute, PathParams
from csms.api.parsing import Moment, OptionalIdentifier, OptionalTokenId, TokenId, member_of
from csms.authorization.models import TokenKind, TokenStatus

if TYPE_CHECKING:
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
