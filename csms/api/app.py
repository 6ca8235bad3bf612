"""Operator HTTP API: health, metrics, stations, sessions, commands to stations.

Framework: Starlette (docs/adr/0003-http-api-starlette.md). Bad input gets a 4xx with a
message; domain errors map to statuses in one table (``_ERROR_STATUS``).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from csms.core import commands
from csms.core.errors import (
    Conflict,
    CsmsError,
    InvalidInput,
    NotFound,
    StationNotConnected,
    StationRejected,
    StationTimeout,
)
from csms.core.models import SessionState, Statement
from csms.core.ports import ReadModel, StationGateway
from csms.core.statements import StatementService

log = structlog.get_logger(__name__)

_ERROR_STATUS: Final[dict[type[CsmsError], int]] = {
    InvalidInput: 400,
    NotFound: 404,
    Conflict: 409,
    StationNotConnected: 409,
    StationRejected: 502,
    StationTimeout: 504,
}

_COMMANDS: Final[dict[str, type[Any]]] = {
    "get-configuration": commands.GetConfiguration,
    "set-configuration": commands.SetConfiguration,
    "trigger-message": commands.TriggerMessage,
    "reset": commands.Reset,
    "unlock-connector": commands.UnlockConnector,
    "change-availability": commands.ChangeAvailability,
}


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: energy and money are never floats
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class ExactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_encode, ensure_ascii=False).encode()


def _statement_json(statement: Statement) -> dict[str, Any]:
    """Money as strings of integer yen, quantities as exact strings."""
    body = dataclasses.asdict(statement)
    body["lines"] = [
        {key: str(value) if isinstance(value, Decimal) else value for key, value in line.items()}
        for line in body["lines"]
    ]
    return body


def _session_id(request: Request) -> UUID | None:
    try:
        return UUID(request.path_params["session_id"])
    except ValueError:
        return None


def _error(status: int, message: str) -> ExactJSONResponse:
    return ExactJSONResponse({"error": message}, status_code=status)


def create_app(
    read_model: ReadModel,
    gateway: StationGateway,
    registry: CollectorRegistry,
    statements: StatementService,
) -> Starlette:
    """Build the API; dependencies come in as ports, nothing is global."""

    async def healthz(request: Request) -> Response:
        try:
            database = await read_model.ping()
        except Exception:  # request boundary: report, do not crash
            log.exception("healthz_database_failed")
            database = False
        status = 200 if database else 503
        return ExactJSONResponse(
            {"status": "ok" if database else "degraded", "database": database}, status_code=status
        )

    async def list_stations(request: Request) -> Response:
        stations = await read_model.list_stations()
        return ExactJSONResponse({"stations": stations})

    async def get_station(request: Request) -> Response:
        station = await read_model.station(request.path_params["station_id"])
        if station is None:
            return _error(404, "no such station")
        return ExactJSONResponse(station)

    async def list_sessions(request: Request) -> Response:
        state_text = request.query_params.get("state")
        try:
            state = SessionState(state_text) if state_text else None
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return _error(400, "state is active or completed; limit is an integer")
        if not 1 <= limit <= 1000:
            return _error(400, "limit must be between 1 and 1000")
        sessions = await read_model.list_sessions(
            request.query_params.get("station_id"), state, limit
        )
        return ExactJSONResponse({"sessions": sessions})

    async def get_session(request: Request) -> Response:
        session_id = _session_id(request)
        if session_id is None:
            return _error(400, "session id is not a UUID")
        session = await read_model.session(session_id)
        if session is None:
            return _error(404, "no such session")
        return ExactJSONResponse(session)

    async def get_statement(request: Request) -> Response:
        """The session's current statement; earlier ones it corrects are listed under history."""
        session_id = _session_id(request)
        if session_id is None:
            return _error(400, "session id is not a UUID")
        statements = await read_model.statements(session_id)
        if not statements:
            if await read_model.session(session_id) is None:
                return _error(404, "no such session")
            return _error(404, "this session has no statement yet (it has not finished)")
        current = statements[-1]
        return ExactJSONResponse(
            {**_statement_json(current), "history": [_statement_json(s) for s in statements[:-1]]}
        )

    async def correct_statement(request: Request) -> Response:
        """Issue a correction: the session is priced again; the old statement stays."""
        session_id = _session_id(request)
        try:
            body = await request.json()
            reason = body["reason"]
            if session_id is None or not isinstance(reason, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _error(400, 'expected a session UUID and a JSON body {"reason": "..."}')
        try:
            correction = await statements.correct(session_id, reason)
        except CsmsError as exc:
            return _error(_ERROR_STATUS.get(type(exc), 500), str(exc))
        return ExactJSONResponse(_statement_json(correction), status_code=201)

    async def send_command(request: Request) -> Response:
        name = request.path_params["command"]
        command_type = _COMMANDS.get(name)
        if command_type is None:
            return _error(404, f"unknown command {name!r}; known: {sorted(_COMMANDS)}")
        try:
            body = await request.json() if await request.body() else {}
            if not isinstance(body, dict):
                raise TypeError
            if "keys" in body:
                body["keys"] = tuple(body["keys"])
            command = command_type(**body)
        except (ValueError, TypeError) as exc:
            return _error(400, f"bad body for {name}: {exc or 'expected a JSON object'}")
        try:
            result = await gateway.send(request.path_params["station_id"], command)
        except CsmsError as exc:
            return _error(_ERROR_STATUS.get(type(exc), 500), str(exc))
        return ExactJSONResponse(result)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, exc.detail)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/api/stations", list_stations),
            Route("/api/stations/{station_id}", get_station),
            Route("/api/stations/{station_id}/commands/{command}", send_command, methods=["POST"]),
            Route("/api/sessions", list_sessions),
            Route("/api/sessions/{session_id}", get_session),
            Route("/api/sessions/{session_id}/statement", get_statement),
            Route(
                "/api/sessions/{session_id}/statement/corrections",
                correct_statement,
                methods=["POST"],
            ),
            Route("/metrics", metrics),
        ],
        exception_handlers={HTTPException: not_found},
    )
