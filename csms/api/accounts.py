"""Member accounts: add or change one, and issue its app's token (seed 002 第18条).

``POST /api/accounts`` answers 201 with the new account's app token (shown once, stored
only as a digest) or 200 when an existing account was changed (its token is kept).
``POST /api/accounts/{account_id}/app-token`` issues a new token; the old one stops working.
The app token is the member app's credential for its own starts and stops; the account id
never is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import BadRequest, guarded
from csms.api.parsing import (
    Identifier,
    Moment,
    OptionalIdentifier,
    OptionalText,
    OptionalTokenId,
    RequestBody,
    Text,
    member_of,
    read_body,
)
from csms.api.policy import scope_of
from csms.api.responses import reply
from csms.authorization.models import AccountStatus

if TYPE_CHECKING:
    from csms.access.service import AccessService
    from csms.administration.closing import AccountClosing
    from csms.administration.service import AdminService


class AccountSaved(BaseModel):
    account_id: str
    created: bool
    app_token: str | None  # only when the account was created; else kept as it was


class AppToken(BaseModel):
    account_id: str
    app_token: str


class AccountChange(RequestBody):
    account_id: Identifier
    operator_id: OptionalIdentifier = None  # an operator key's own operator when left out
    name: Text
    email: OptionalText = None
    status: Annotated[AccountStatus, member_of(AccountStatus)] = AccountStatus.VALID
    expires_at: Moment = None
    group_id: OptionalTokenId = None


class AccountClosed(BaseModel):
    account_id: str
    status: str


class AccountClosingResource:
    """``POST /api/accounts/{account_id}/close`` (seed 002 第7条 退会): 409 while the account
    has a confirmed reservation or a session still charging."""

    def __init__(self, closing: AccountClosing) -> None:
        self._closing = closing

    def routes(self) -> list[Route]:
        path = "/api/accounts/{account_id}/close"
        return [Route(path, guarded(self.close), methods=["POST"])]

    async def close(self, request: Request) -> Response:
        account_id = request.path_params["account_id"]
        await self._closing.close(account_id, scope_of(request))
        return reply(AccountClosed(account_id=account_id, status=AccountStatus.CLOSED.value))


class AccountsResource:
    def __init__(self, admin: AdminService, access: AccessService) -> None:
        self._admin = admin
        self._access = access

    def routes(self) -> list[Route]:
        return [
            Route("/api/accounts", guarded(self.save), methods=["POST"]),
            Route(
                "/api/accounts/{account_id}/app-token", guarded(self.new_token), methods=["POST"]
            ),
        ]

    async def save(self, request: Request) -> Response:
        change = await read_body(request, AccountChange)
        scope = scope_of(request)
        operator_id = change.operator_id or scope
        if operator_id is None:
            raise BadRequest("bad request: operator_id must be a non-empty string")
        fields = change.model_dump(exclude={"account_id", "operator_id", "name"})
        created = await self._admin.set_account(
            change.account_id, operator_id, change.name, **fields, scope=scope
        )
        token = await self._access.issue_app_token(change.account_id) if created else None
        saved = AccountSaved(account_id=change.account_id, created=created, app_token=token)
        return reply(saved, 201 if created else 200)

    async def new_token(self, request: Request) -> Response:
        account_id = request.path_params["account_id"]
        token = await self._access.issue_app_token(account_id, scope=scope_of(request))
        return reply(AppToken(account_id=account_id, app_token=token), 201)
