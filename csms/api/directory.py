"""Who and what exists, for the operator's lists (the console reads them):

* ``GET /api/operators``: the operators (an operator's key: its own);
* ``GET /api/accounts``: the member accounts (card ids masked for a viewer);
* ``GET /api/api-keys``: the API keys without their secrets (admin only);
* ``GET /api/stations/{station_id}/messages``: the station's latest kept messages
  (BootNotification, notifications, ...), newest first, at most 50.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.api.route_models import describe

if TYPE_CHECKING:
    from csms.access.service import AccessService
    from csms.administration.ports import Directory


class OperatorList(BaseModel):
    operators: list[dict[str, Any]]


class AccountList(BaseModel):
    accounts: list[dict[str, Any]]


class KeyBody(BaseModel):
    name: str
    role: str
    operator_id: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyList(BaseModel):
    api_keys: list[KeyBody]


class MessageList(BaseModel):
    messages: list[dict[str, Any]]


class DirectoryResource:
    def __init__(self, directory: Directory, access: AccessService) -> None:
        self._directory, self._access = directory, access

    def routes(self) -> list[Route]:
        return [
            Route("/api/operators", guarded(self.operators), methods=["GET"]),
            Route("/api/accounts", guarded(self.accounts), methods=["GET"]),
            Route("/api/api-keys", guarded(self.api_keys), methods=["GET"]),
            Route("/api/stations/{station_id}/messages", guarded(self.messages), methods=["GET"]),
        ]

    @describe(answer=OperatorList)
    async def operators(self, request: Request) -> Response:
        """The operators within the caller's scope."""
        return reply(OperatorList(operators=await self._directory.operators(scope_of(request))))

    @describe(answer=AccountList)
    async def accounts(self, request: Request) -> Response:
        """The member accounts within the caller's operator."""
        return reply(AccountList(accounts=await self._directory.accounts(scope_of(request))))

    @describe(answer=KeyList)
    async def api_keys(self, request: Request) -> Response:
        """Every API key by name and role, never a secret (admin only)."""
        keys = [
            KeyBody(
                name=k.name,
                role=k.role.value,
                operator_id=k.operator_id,
                created_at=k.created_at,
                revoked_at=k.revoked_at,
            )
            for k in await self._access.keys()
        ]
        return reply(KeyList(api_keys=keys))

    @describe(answer=MessageList, errors=("no_such_station",))
    async def messages(self, request: Request) -> Response:
        """The station's latest kept messages, newest first."""
        found = await self._directory.station_messages(
            str(request.path_params["station_id"]), scope_of(request), 50
        )
        if found is None:
            return error(404, "no such station", "no_such_station")
        return reply(MessageList(messages=found))
