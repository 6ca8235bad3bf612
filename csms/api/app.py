"""Operator HTTP API: assembles the resources' routes (one module per resource) and /metrics.

Framework: Starlette (docs/adr/0003-http-api-starlette.md). Bad input gets a 4xx with a
message; domain errors map to statuses in one table (``error_status.ERROR_STATUS``).
Every ``/api`` request passes the access control (``access_control.AccessControl``: key,
JSON body, audit) and every ``/api`` route its permission check (``policy.guard``), both
applied here so that no resource can leave them out, and so is the check of every path
parameter and query value (``parsing.checking_inputs``: lengths, no NUL or lone surrogate).
CORS is off unless origins are listed. The visitors' pages are another app on another
listener (``public.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from csms.api import cards, operators, stands
from csms.api.access_control import AccessControl
from csms.api.accounts import AccountsResource
from csms.api.app_sessions import AppSessionsResource
from csms.api.audit import AuditResource
from csms.api.availability import DatabaseUnavailable
from csms.api.changes import ChangesResource
from csms.api.commands import CommandsResource
from csms.api.health import HealthResource
from csms.api.meters import MetersResource
from csms.api.metrics import MetricsResource
from csms.api.openapi import OpenApiResource
from csms.api.parsing import checking_inputs
from csms.api.policy import guard
from csms.api.pricing_resources import pricing_resources
from csms.api.responses import http_error
from csms.api.sessions import SessionsResource
from csms.api.statements import StatementsResource
from csms.api.station_resources import station_resources
from csms.api.stations import StationsResource

if TYPE_CHECKING:
    from csms.access.service import AccessService
    from csms.administration.memberships import MembershipService
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService
    from csms.charging.app_sessions import AppSessionService
    from csms.charging.corrections import StatementService
    from csms.clock import Clock
    from csms.settlement.tariff_admin import TariffBook
    from csms.station_commands.local_lists import LocalListService
    from csms.station_commands.ports import StationGateway


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (``no_such_route``) and 405 in the API's error shape."""
    assert isinstance(exc, HTTPException)
    return http_error(exc)


def create_app(
    read_model: ReadModel,
    gateway: StationGateway,
    registry: CollectorRegistry,
    statements: StatementService,
    *,
    admin: AdminService,
    access: AccessService,
    clock: Clock,
    app_sessions: AppSessionService,
    local_lists: LocalListService,
    cors_origins: Sequence[str] = (),
    serve_metrics: bool = True,
    database_errors: tuple[type[BaseException], ...] = (),
    tariffs: TariffBook | None = None,
    memberships: MembershipService | None = None,
    more: Sequence[_Resource] = (),
) -> Starlette:
    """Build the API from ports (nothing is global); /metrics too unless ``serve_metrics=False``."""
    resources = (
        HealthResource(read_model),
        StationsResource(read_model, admin, local_lists),
        CommandsResource(gateway, read_model),
        *station_resources(gateway, read_model, local_lists),
        SessionsResource(read_model, statements, clock),
        StatementsResource(read_model, statements),
        MetersResource(read_model, admin),
        ChangesResource(admin, operators.ROUTE, cards.ROUTE, stands.ROUTE),
        AccountsResource(admin, access),
        AppSessionsResource(app_sessions, read_model),
        AuditResource(access),
        *more,  # reservations, the price display, ...
        *pricing_resources(tariffs, read_model, memberships),
        *((MetricsResource(registry),) if serve_metrics else ()),
    )
    return Starlette(
        routes=_routes(resources),
        middleware=_middleware(access, clock, cors_origins, database_errors),
        exception_handlers={HTTPException: _http_error},
    )


class _Resource(Protocol):
    def routes(self) -> Sequence[BaseRoute]: ...


def _routes(resources: Iterable[_Resource]) -> list[BaseRoute]:
    """Every resource's routes and ``/openapi.json`` and ``/docs`` of them all (their own
    too), each ``/api`` one checking its inputs and guarded by its permission."""
    routes = [route for resource in resources for route in resource.routes()]
    routes += OpenApiResource(routes).routes()
    return [guard(checking_inputs(route)) for route in routes]


def _middleware(
    access: AccessService,
    clock: Clock,
    cors_origins: Sequence[str],
    database_errors: tuple[type[BaseException], ...],
) -> list[Middleware]:
    """503 during a database outage; CORS, only for listed origins; access control."""
    middleware = [
        Middleware(DatabaseUnavailable, errors=database_errors),
        Middleware(AccessControl, access=access, clock=clock),
    ]
    if cors_origins:  # outermost, so that preflights are answered before access control
        cors = Middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
        middleware.insert(1, cors)
    return middleware
