"""A session's statement (its bill) and corrections to it; the export of them all
(``statements_csv``).

A correction prices the session again and issues a new statement; the old one stays and is
listed under ``history`` of the current one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    Field,
    RootModel,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import BadRequest, InvalidBody, answers_errors
from csms.api.parsing import FreeText, json_object, problem, session_id, session_id_of
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.api.route_models import describe
from csms.api.statements_csv import StatementsExportResource
from csms.settlement.models import Statement

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.charging.corrections import StatementService

_CORRECTION_USAGE = 'expected a session UUID and a JSON body {"reason": "..."}'

StatementBody = RootModel[Statement]  # money as strings of integer yen, quantities exact


class CurrentStatement(BaseModel):
    """The current statement's fields, then ``history``: the statements it corrects."""

    current: Statement
    history: list[Statement]

    @model_serializer(mode="wrap")
    def _current_at_top(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body = handler(self)
        return {**body["current"], "history": body["history"]}


class CorrectionRequest(BaseModel):
    reason: FreeText = Field(description="why the session is priced again")


class StatementsResource:
    def __init__(self, read_model: ReadModel, statements: StatementService) -> None:
        self._read_model = read_model
        self._statements = statements

    def routes(self) -> list[Route]:
        return [
            Route("/api/sessions/{session_id}/statement", answers_errors(self.current)),
            Route(
                "/api/sessions/{session_id}/statement/corrections",
                answers_errors(self.correct),
                methods=["POST"],
            ),
            *StatementsExportResource(self._read_model).routes(),  # the accountant's CSV
        ]

    @describe(answer=CurrentStatement, errors=("no_such_session", "no_statement_yet"))
    async def current(self, request: Request) -> Response:
        """The session's current statement; earlier ones it corrects are listed under history."""
        wanted = session_id(request)
        statements = await self._read_model.statements(wanted, scope_of(request))
        if not statements:
            if await self._read_model.session(wanted, scope_of(request)) is None:
                return error(404, "no such session", "no_such_session")
            message = "this session has no statement yet (it has not finished)"
            return error(404, message, "no_statement_yet")
        return reply(CurrentStatement(current=statements[-1], history=statements[:-1]))

    @describe(body=CorrectionRequest, answer=StatementBody, status=201, errors=("no_such_session",))
    async def correct(self, request: Request) -> Response:
        """Issue a correction: the session is priced again; the old statement stays."""
        try:
            body = CorrectionRequest.model_validate(await json_object(request))
        except ValidationError as exc:
            raise InvalidBody(f"{_CORRECTION_USAGE}: {problem(exc)}") from exc
        except (ValueError, BadRequest) as exc:  # not JSON
            raise InvalidBody(_CORRECTION_USAGE) from exc
        wanted = session_id_of(request)
        if wanted is None:
            raise BadRequest(_CORRECTION_USAGE)
        if await self._read_model.session(wanted, scope_of(request)) is None:
            return error(404, "no such session", "no_such_session")
        correction = await self._statements.correct(wanted, body.reason)
        return reply(StatementBody(correction), 201)
