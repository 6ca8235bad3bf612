"""Charging sessions: the filtered list, one session, its signed meter data, closing one.

The signed data are the raw records and the meter's key, to check them independently
(``csms ocmf verify``). ``state=active&stale_after_s=N`` lists the active sessions nothing
was heard of (sample, transaction event, start) for N seconds; ``POST .../close`` with
``{"reason": "..."}`` ends a stuck one at its last reading and settles it, saying who closed
it and why (docs/reliability.md, "Stuck sessions"); 409 when it has ended already.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator, RootModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import answers_errors
from csms.api.parsing import FreeText, RequestBody, limit_between, read_body, read_query, session_id
from csms.api.policy import principal_of, scope_of
from csms.api.responses import error, found, reply
from csms.charging.models import SessionState
from csms.settlement.models import Statement

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.charging.corrections import StatementService
    from csms.clock import Clock

_UNREADABLE_FILTER = (
    "state is active or completed; limit is an integer; stale_after_s is a number of seconds"
    " (with state=active)"
)


def _seconds(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        seconds = int(str(value))
    except ValueError:
        raise ValueError(_UNREADABLE_FILTER) from None
    if not 0 <= seconds <= 10 * 365 * 86400:
        raise ValueError(_UNREADABLE_FILTER)
    return seconds


def _state(value: object) -> SessionState | None:
    try:
        return SessionState(str(value)) if value else None
    except ValueError:
        raise ValueError(_UNREADABLE_FILTER) from None


class SessionFilter(BaseModel):
    """The query of ``GET /api/sessions``: ``station_id``, ``state``, ``limit`` (1-1000),
    ``stale_after_s`` (active sessions not heard of for that many seconds)."""

    station_id: str | None = None
    state: Annotated[SessionState | None, BeforeValidator(_state)] = None
    limit: Annotated[int, limit_between(1, 1000, _UNREADABLE_FILTER)] = 100
    stale_after_s: Annotated[int | None, BeforeValidator(_seconds)] = None


class CloseRequest(RequestBody):
    reason: FreeText


class SessionList(BaseModel):
    sessions: list[dict[str, object]]


class SessionsResource:
    def __init__(
        self,
        read_model: ReadModel,
        statements: StatementService | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._read_model = read_model
        self._statements = statements
        self._clock = clock

    def routes(self) -> list[Route]:
        return [
            Route("/api/sessions", answers_errors(self.list)),
            Route("/api/sessions/{session_id}", answers_errors(self.get)),
            Route("/api/sessions/{session_id}/signed-data", answers_errors(self.signed_data)),
            Route("/api/sessions/{session_id}/close", answers_errors(self.close), methods=["POST"]),
        ]

    async def list(self, request: Request) -> Response:
        query = read_query(request, SessionFilter)
        stale_before = None
        if query.stale_after_s is not None:
            if query.state not in (None, SessionState.ACTIVE) or self._clock is None:
                return error(400, f"bad request: {_UNREADABLE_FILTER}")
            stale_before = self._clock.now() - timedelta(seconds=query.stale_after_s)
        sessions = await self._read_model.list_sessions(
            query.station_id, query.state, query.limit, scope_of(request), stale_before=stale_before
        )
        return reply(SessionList(sessions=sessions))

    async def close(self, request: Request) -> Response:
        """Close a stuck session at its last reading (operator's reason); its statement."""
        wanted = session_id(request)
        body = await read_body(request, CloseRequest)
        if self._statements is None:
            return error(503, "closing sessions is not available here")
        if await self._read_model.session(wanted, scope_of(request)) is None:
            return error(404, "no such session")
        statement = await self._statements.close_by_operator(
            wanted, body.reason, principal_of(request).name
        )
        return reply(RootModel[Statement](statement), 201)

    async def get(self, request: Request) -> Response:
        return found(
            await self._read_model.session(session_id(request), scope_of(request)), "session"
        )

    async def signed_data(self, request: Request) -> Response:
        """The raw signed records and the meter's key, to check them independently."""
        signed = await self._read_model.signed_data(session_id(request), scope_of(request))
        return found(signed, "session")
