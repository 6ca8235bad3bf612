"""Charging sessions: the paged, filtered list, one session, its signed meter data, closing one.

``GET /api/sessions`` pages newest first (``started_at``, then ``session_id``): ``limit``
(1-1000, default 100) sessions and ``next``, the link to the following page (null on the
last). ``next`` carries ``cursor``, the keyset (``started_at``, ``session_id``) of the page's
last session as opaque base64: the following page starts strictly after it, so sessions that
arrive meanwhile (newer, so before the first page) never shift a page, and every session is
listed exactly once. Filters: ``station_id``, ``id_token``, ``state``, ``from`` and ``to``
(``started_at``, from inclusive, to exclusive, ISO 8601 with an offset), ``operator_id``
(narrows an admin's view; another operator's id gives an operator key nothing), and
``state=active&stale_after_s=N``: the active sessions nothing was heard of (sample,
transaction event, start) for N seconds.

The signed data are the raw records and the meter's key, to check them independently
(``csms ocmf verify``). ``POST .../close`` with ``{"reason": "..."}`` ends a stuck one at its
last reading and settles it, saying who closed it and why (docs/reliability.md, "Stuck
sessions"); 409 when it has ended already.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.administration.ports import SessionQuery
from csms.api.error_status import answers_errors
from csms.api.paging import blank_or_text, cursor_value, next_link, query_moment
from csms.api.parsing import (
    ID_MAX,
    TOKEN_MAX,
    FreeText,
    RequestBody,
    limit_between,
    read_body,
    read_query,
    session_id,
)
from csms.api.policy import principal_of, scope_of
from csms.api.responses import error, found, reply
from csms.api.route_models import describe
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
    """The query of ``GET /api/sessions``."""

    model_config = ConfigDict(populate_by_name=True)

    station_id: Annotated[str | None, blank_or_text(ID_MAX)] = Field(
        None, description="only this station's sessions"
    )
    id_token: Annotated[str | None, blank_or_text(TOKEN_MAX)] = Field(
        None, description="only the sessions of this card"
    )
    state: Annotated[SessionState | None, BeforeValidator(_state)] = Field(
        None, description="active or completed"
    )
    started_from: Annotated[datetime | None, query_moment] = Field(
        None, alias="from", description="started at or after (ISO 8601 with an offset)"
    )
    started_to: Annotated[datetime | None, query_moment] = Field(
        None, alias="to", description="started before (ISO 8601 with an offset)"
    )
    operator_id: Annotated[str | None, blank_or_text(ID_MAX)] = Field(
        None, description="only this operator's stations"
    )
    limit: Annotated[int, limit_between(1, 1000, _UNREADABLE_FILTER)] = Field(
        100, description="sessions per page, 1 to 1000"
    )
    cursor: Annotated[tuple[datetime, UUID] | None, cursor_value] = Field(
        None, description="where the page starts: from the previous page's next link"
    )
    stale_after_s: Annotated[int | None, BeforeValidator(_seconds)] = Field(
        None, description="with state=active: only sessions not heard of for that many seconds"
    )


class CloseRequest(RequestBody):
    reason: FreeText = Field(description="why the operator closes it (kept on the statement)")


StatementBody = RootModel[Statement]


class SessionList(BaseModel):
    """A page of sessions, newest first, and the link to the next page (null: the last)."""

    sessions: list[dict[str, object]]
    next: str | None


def _next(request: Request, page: list[dict[str, object]], limit: int) -> str:
    """The link to the page after ``page``: its cursor is the keyset of the page's last."""
    at, item = page[-1]["started_at"], page[-1]["session_id"]
    assert isinstance(at, datetime)
    assert isinstance(item, str)
    return next_link(request, at, item, limit)


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

    @describe(query=SessionFilter, answer=SessionList)
    async def list(self, request: Request) -> Response:
        """Sessions, newest first, a page at a time (``next``), each with its statement's
        ``total`` and ``statement_status``."""
        query = read_query(request, SessionFilter)
        stale_before = None
        if query.stale_after_s is not None:
            if query.state not in (None, SessionState.ACTIVE) or self._clock is None:
                return error(400, f"bad request: {_UNREADABLE_FILTER}")
            stale_before = self._clock.now() - timedelta(seconds=query.stale_after_s)
        wanted = SessionQuery(
            station_id=query.station_id,
            id_token=query.id_token,
            state=query.state,
            started_from=query.started_from,
            started_to=query.started_to,
            operator_id=query.operator_id,
            stale_before=stale_before,
            before=query.cursor,
            limit=query.limit + 1,  # one more: is there a next page?
        )
        found = await self._read_model.list_sessions(wanted, scope_of(request))
        page = found[: query.limit]
        following = _next(request, page, query.limit) if len(found) > len(page) else None
        return reply(SessionList(sessions=page, next=following))

    @describe(body=CloseRequest, answer=StatementBody, status=201, errors=("no_such_session",))
    async def close(self, request: Request) -> Response:
        """Close a stuck session at its last reading (operator's reason); its statement."""
        wanted = session_id(request)
        body = await read_body(request, CloseRequest)
        if self._statements is None:
            return error(503, "closing sessions is not available here", "not_available")
        if await self._read_model.session(wanted, scope_of(request)) is None:
            return error(404, "no such session", "no_such_session")
        statement = await self._statements.close_by_operator(
            wanted, body.reason, principal_of(request).name
        )
        return reply(StatementBody(statement), 201)

    @describe(errors=("no_such_session",))
    async def get(self, request: Request) -> Response:
        """One session with all its samples."""
        return found(
            await self._read_model.session(session_id(request), scope_of(request)), "session"
        )

    @describe(errors=("no_such_session",))
    async def signed_data(self, request: Request) -> Response:
        """The raw signed records and the meter's key, to check them independently."""
        signed = await self._read_model.signed_data(session_id(request), scope_of(request))
        return found(signed, "session")
