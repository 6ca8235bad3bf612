"""``POST /api/accounts``: add or change a member account; answers its app token.

The app token is the account id in normal form; the member app starts and stops charging
with it (``app_sessions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import Moment, OptionalText, RequestBody, Text, member_of, read_body
from csms.api.responses import reply
from csms.authorization.models import AccountStatus

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class AccountChange(RequestBody):
    account_id: Text
    operator_id: Text
    name: Text
    email: OptionalText = None
    status: Annotated[AccountStatus, member_of(AccountStatus)] = AccountStatus.VALID
    expires_at: Moment = None
    group_id: OptionalText = None


class AccountSaved(BaseModel):
    account_id: str
    app_token: str


class AccountsResource:
    def __init__(self, admin: AdminService) -> None:
        self._admin = admin

    def routes(self) -> list[Route]:
        return [Route("/api/accounts", guarded(self.save), methods=["POST"])]

    async def save(self, request: Request) -> Response:
        body = await read_body(request, AccountChange)
        app_token = await self._admin.set_account(
            body.account_id,
            body.operator_id,
            body.name,
            email=body.email,
            status=body.status,
            expires_at=body.expires_at,
            group_id=body.group_id,
        )
        return reply(AccountSaved(account_id=body.account_id, app_token=app_token), 201)
