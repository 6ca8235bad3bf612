"""Charging sessions: the filtered list, one session, its signed meter data.

The signed data are the raw records and the meter's key, to check them independently
(``csms ocmf verify``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import answers_errors
from csms.api.parsing import limit_between, read_query, session_id
from csms.api.policy import scope_of
from csms.api.responses import found, reply
from csms.charging.models import SessionState

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel

_UNREADABLE_FILTER = "state is active or completed; limit is an integer"


def _state(value: object) -> SessionState | None:
    try:
        return SessionState(str(value)) if value else None
    except ValueError:
        raise ValueError(_UNREADABLE_FILTER) from None


class SessionFilter(BaseModel):
    """The query of ``GET /api/sessions``: ``station_id``, ``state``, ``limit`` (1-1000)."""

    station_id: str | None = None
    state: Annotated[SessionState | None, BeforeValidator(_state)] = None
    limit: Annotated[int, limit_between(1, 1000, _UNREADABLE_FILTER)] = 100


class SessionList(BaseModel):
    sessions: list[dict[str, object]]


class SessionsResource:
    def __init__(self, read_model: ReadModel) -> None:
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [
            Route("/api/sessions", answers_errors(self.list)),
            Route("/api/sessions/{session_id}", answers_errors(self.get)),
            Route("/api/sessions/{session_id}/signed-data", answers_errors(self.signed_data)),
        ]

    async def list(self, request: Request) -> Response:
        query = read_query(request, SessionFilter)
        sessions = await self._read_model.list_sessions(
            query.station_id, query.state, query.limit, scope_of(request)
        )
        return reply(SessionList(sessions=sessions))

    async def get(self, request: Request) -> Response:
        return found(
            await self._read_model.session(session_id(request), scope_of(request)), "session"
        )

    async def signed_data(self, request: Request) -> Response:
        """The raw signed records and the meter's key, to check them independently."""
        signed = await self._read_model.signed_data(session_id(request), scope_of(request))
        return found(signed, "session")
