"""Operator HTTP API: health, metrics, stations, sessions, commands to stations.

Framework: Starlette (docs/adr/0003-http-api-starlette.md). Bad input gets a 4xx with a
message; domain errors map to statuses in one table (``ERROR_STATUS``).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, Final

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.administration.service import AdminService
from csms.api.members import member_routes
from csms.api.responses import ERROR_STATUS, ExactJSONResponse, error, session_id_of
from csms.authorization.visitors import VisitorService
from csms.charging.app_sessions import AppSessionService
from csms.charging.models import SessionState
from csms.errors import CsmsError
from csms.ports import ReadModel, StationGateway
from csms.settlement.models import Statement
from csms.settlement.statements import StatementService
from csms.station_commands import commands as operator_cmd
from csms.station_commands.local_lists import LocalListService

log = structlog.get_logger(__name__)

_COMMANDS: Final[dict[str, type[Any]]] = {
    "get-configuration": operator_cmd.GetConfiguration,
    "set-configuration": operator_cmd.SetConfiguration,
    "trigger-message": operator_cmd.TriggerMessage,
    "reset": operator_cmd.Reset,
    "unlock-connector": operator_cmd.UnlockConnector,
    "change-availability": operator_cmd.ChangeAvailability,
}


def _statement_json(statement: Statement) -> dict[str, Any]:
    """Money as strings of integer yen, quantities as exact strings."""
    body = dataclasses.asdict(statement)
    body["lines"] = [
        {key: str(value) if isinstance(value, Decimal) else value for key, value in line.items()}
        for line in body["lines"]
    ]
    return body


def create_app(
    read_model: ReadModel,
    gateway: StationGateway,
    registry: CollectorRegistry,
    statements: StatementService,
    *,
    admin: AdminService,
    visitors: VisitorService,
    app_sessions: AppSessionService,
    local_lists: LocalListService,
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
            return error(404, "no such station")
        return ExactJSONResponse(station)

    async def list_sessions(request: Request) -> Response:
        state_text = request.query_params.get("state")
        try:
            state = SessionState(state_text) if state_text else None
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return error(400, "state is active or completed; limit is an integer")
        if not 1 <= limit <= 1000:
            return error(400, "limit must be between 1 and 1000")
        sessions = await read_model.list_sessions(
            request.query_params.get("station_id"), state, limit
        )
        return ExactJSONResponse({"sessions": sessions})

    async def get_session(request: Request) -> Response:
        session_id = session_id_of(request)
        if session_id is None:
            return error(400, "session id is not a UUID")
        session = await read_model.session(session_id)
        if session is None:
            return error(404, "no such session")
        return ExactJSONResponse(session)

    async def get_statement(request: Request) -> Response:
        """The session's current statement; earlier ones it corrects are listed under history."""
        session_id = session_id_of(request)
        if session_id is None:
            return error(400, "session id is not a UUID")
        statements = await read_model.statements(session_id)
        if not statements:
            if await read_model.session(session_id) is None:
                return error(404, "no such session")
            return error(404, "this session has no statement yet (it has not finished)")
        current = statements[-1]
        return ExactJSONResponse(
            {**_statement_json(current), "history": [_statement_json(s) for s in statements[:-1]]}
        )

    async def correct_statement(request: Request) -> Response:
        """Issue a correction: the session is priced again; the old statement stays."""
        session_id = session_id_of(request)
        try:
            body = await request.json()
            reason = body["reason"]
            if session_id is None or not isinstance(reason, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return error(400, 'expected a session UUID and a JSON body {"reason": "..."}')
        try:
            correction = await statements.correct(session_id, reason)
        except CsmsError as exc:
            return error(ERROR_STATUS.get(type(exc), 500), str(exc))
        return ExactJSONResponse(_statement_json(correction), status_code=201)

    async def get_signed_data(request: Request) -> Response:
        """The raw signed records and the meter's key, to check them independently."""
        session_id = session_id_of(request)
        if session_id is None:
            return error(400, "session id is not a UUID")
        data = await read_model.signed_data(session_id)
        if data is None:
            return error(404, "no such session")
        return ExactJSONResponse(data)

    async def list_meters(request: Request) -> Response:
        return ExactJSONResponse({"meters": await read_model.list_meters()})

    async def send_command(request: Request) -> Response:
        name = request.path_params["command"]
        command_type = _COMMANDS.get(name)
        if command_type is None:
            return error(404, f"unknown command {name!r}; known: {sorted(_COMMANDS)}")
        try:
            body = await request.json() if await request.body() else {}
            if not isinstance(body, dict):
                raise TypeError
            if "keys" in body:
                body["keys"] = tuple(body["keys"])
            command = command_type(**body)
        except (ValueError, TypeError) as exc:
            return error(400, f"bad body for {name}: {exc or 'expected a JSON object'}")
        try:
            result = await gateway.send(request.path_params["station_id"], command)
        except CsmsError as exc:
            return error(ERROR_STATUS.get(type(exc), 500), str(exc))
        return ExactJSONResponse(result)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, exc.detail)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/api/stations", list_stations),
            Route("/api/stations/{station_id}", get_station),
            Route("/api/stations/{station_id}/commands/{command}", send_command, methods=["POST"]),
            Route("/api/sessions", list_sessions),
            Route("/api/sessions/{session_id}", get_session),
            Route("/api/sessions/{session_id}/statement", get_statement),
            Route("/api/sessions/{session_id}/signed-data", get_signed_data),
            Route("/api/meters", list_meters, methods=["GET"]),
            Route(
                "/api/sessions/{session_id}/statement/corrections",
                correct_statement,
                methods=["POST"],
            ),
            Route("/metrics", metrics),
            *member_routes(admin, visitors, app_sessions, local_lists),
        ],
        exception_handlers={HTTPException: not_found},
    )
