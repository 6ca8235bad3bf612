"""App start and stop (seed 002 第18条): a member charges from the app with its account.

Start is 1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction (F01), stop is
RemoteStopTransaction / RequestStopTransaction (F03); the answer is the station's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.commands import CommandAnswer
from csms.api.error_status import guarded
from csms.api.parsing import Count, Identifier, RequestBody, read_body, session_id
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.charging.app_sessions import AppStartRefused

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.charging.app_sessions import AppSessionService


class AppStart(RequestBody):
    station_id: Identifier
    evse_id: Count


class AppSessionsResource:
    def __init__(self, app_sessions: AppSessionService, read_model: ReadModel) -> None:
        self._app_sessions = app_sessions
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [
            Route("/api/accounts/{account_id}/sessions", guarded(self.start), methods=["POST"]),
            Route(
                "/api/accounts/{account_id}/sessions/{session_id}/stop",
                guarded(self.stop),
                methods=["POST"],
            ),
        ]

    async def start(self, request: Request) -> Response:
        body = await read_body(request, AppStart)
        if await self._read_model.station(body.station_id, scope_of(request)) is None:
            return error(404, "no such station")  # another operator's is not found either
        result = await self._app_sessions.start(
            request.path_params["account_id"],
            body.station_id,
            body.evse_id,
            scope=scope_of(request),
        )
        if isinstance(result, AppStartRefused):
            return error(403, f"the account may not charge here: {result.status}")
        return reply(CommandAnswer(result))

    async def stop(self, request: Request) -> Response:
        result = await self._app_sessions.stop(
            request.path_params["account_id"], session_id(request), scope=scope_of(request)
        )
        return reply(CommandAnswer(result))
