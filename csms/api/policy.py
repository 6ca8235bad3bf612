"""Which permission each operator API route needs, and the guard that checks it.

Every ``/api`` route of the app is wrapped by :func:`guard` when the app is assembled, so a
new route cannot forget it: a read (GET) needs ``read``, any other method ``change``, unless
``PERMISSIONS`` names the route. Who has which permission is ``csms.access.models``.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csms.access.models import Permission, Principal, Role
from csms.api.responses import error

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

PERMISSIONS: Final[dict[tuple[str, str], Permission]] = {
    ("POST", "/api/operators"): Permission.ADMINISTER,
    ("PUT", "/api/stations/{station_id}/operator"): Permission.ADMINISTER,
    ("POST", "/api/tariffs"): Permission.ADMINISTER,  # price lists: admin; viewers read them
    ("PUT", "/api/sites/{site}/tariff"): Permission.ADMINISTER,
    ("PUT", "/api/charger-classes/{charger_class}/tariff"): Permission.ADMINISTER,
    ("GET", "/api/audit"): Permission.AUDIT,
    ("GET", "/api/api-keys"): Permission.ADMINISTER,  # names and roles of every key
    ("GET", "/api/cluster"): Permission.ADMINISTER,  # nodes and stations of every operator
    # Reading a station's configuration is a command to it, and values may be sensitive.
    ("GET", "/api/stations/{station_id}/configuration"): Permission.CHANGE,
    ("POST", "/api/accounts/{account_id}/sessions"): Permission.CHARGE,
    ("POST", "/api/accounts/{account_id}/sessions/{session_id}/stop"): Permission.CHARGE,
}


# Routes a member's app may call for its own account: the use case keeps it to that account
# (seed 002 第10-11条: members book and cancel their own reservations in the app).
MEMBER_ROUTES: Final = frozenset(
    {
        ("POST", "/api/reservations"),
        ("GET", "/api/reservations"),
        ("GET", "/api/reservations/{reservation_id}"),
        ("DELETE", "/api/reservations/{reservation_id}"),
        ("PATCH", "/api/reservations/{reservation_id}"),
        ("GET", "/api/reservations/{reservation_id}/statement"),
    }
)


def permission_of(method: str, path: str) -> Permission:
    """The permission ``method path`` (a route's path template) needs."""
    named = PERMISSIONS.get(("GET" if method == "HEAD" else method, path))
    if named is not None:
        return named
    return Permission.READ if method in SAFE_METHODS else Permission.CHANGE


def principal_of(request: Request) -> Principal:
    """The caller the access-control middleware authenticated (every ``/api`` request has one)."""
    principal: Principal = request.scope["csms.principal"]
    return principal


def scope_of(request: Request) -> str | None:
    """The operator whose data the caller may see; None for every operator."""
    return principal_of(request).scope


def guard(route: BaseRoute) -> BaseRoute:
    """The route, its endpoint checking the caller's permission first (403 if it lacks it)."""
    if not isinstance(route, Route) or not route.path.startswith("/api/"):
        return route
    endpoint = route.endpoint
    path = route.path

    async def guarded(request: Request) -> Response:
        principal = principal_of(request)
        if principal.role is Role.MEMBER and (request.method, path) in MEMBER_ROUTES:
            return await endpoint(request)  # type: ignore[no-any-return]
        permission = permission_of(request.method, path)
        if not principal.may(permission, request.path_params.get("account_id")):
            return error(403, f"a {principal.role.value} key may not {request.method} {path}")
        return await endpoint(request)  # type: ignore[no-any-return]

    return Route(path, guarded, methods=sorted(route.methods or ()), name=route.name)
