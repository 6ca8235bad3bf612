"""Operator HTTP API: assembles the resources' routes (one module per resource) and /metrics.

Framework: Starlette (docs/adr/0003-http-api-starlette.md). Bad input gets a 4xx with a
message; domain errors map to statuses in one table (``error_status.ERROR_STATUS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from csms.api import accounts, cards, operators, stands
from csms.api import visitors as registration
from csms.api.app_sessions import AppSessionsResource
from csms.api.changes import ChangesResource
from csms.api.commands import CommandsResource
from csms.api.health import HealthResource
from csms.api.meters import MetersResource
from csms.api.metrics import MetricsResource
from csms.api.responses import error
from csms.api.sessions import SessionsResource
from csms.api.statements import StatementsResource
from csms.api.stations import StationsResource

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService
    from csms.authorization.visitors import VisitorService
    from csms.charging.app_sessions import AppSessionService
    from csms.charging.corrections import StatementService
    from csms.station_commands.local_lists import LocalListService
    from csms.station_commands.ports import StationGateway


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 in the API's error shape."""
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, exc.detail)


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
    resources = (
        HealthResource(read_model),
        StationsResource(read_model, admin, local_lists),
        CommandsResource(gateway),
        SessionsResource(read_model),
        StatementsResource(read_model, statements),
        MetersResource(read_model, admin),
        MetricsResource(registry),
        ChangesResource(admin, operators.ROUTE, accounts.ROUTE, cards.ROUTE, stands.ROUTE),
        AppSessionsResource(app_sessions),
        ChangesResource(visitors, registration.ROUTE),
    )
    return Starlette(
        routes=[route for resource in resources for route in resource.routes()],
        exception_handlers={HTTPException: _http_error},
    )
