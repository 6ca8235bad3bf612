"""Change routes: a JSON body that is one change, saved by a service, answered with the result.

The body's model says how it is saved (``Change.save``); a ``ChangeRoute`` says where it is
sent and with which status it is answered. Failures are answered as ``guarded`` answers them.
On the operator API a change is saved within the caller's operator (``scope``, None for an
admin); the service applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import RequestBody, read_body
from csms.api.responses import reply

PathParams = Mapping[str, Any]


class Change(RequestBody):
    """A request body that is one change to the core."""

    async def save(self, service: Any, path: PathParams, scope: str | None) -> BaseModel:
        """Make the change with ``service`` (the path's ids in ``path``) within ``scope``."""
        raise NotImplementedError


@dataclass(frozen=True)
class ChangeRoute:
    """``method path``: the body read as ``body``, saved, its result answered with ``status``."""

    method: str
    path: str
    body: type[Change]
    status: int = 201

    def route(self, service: object) -> Route:
        async def endpoint(request: Request) -> Response:
            change = await read_body(request, self.body)
            principal = request.scope.get("csms.principal")
            scope = principal.scope if principal is not None else None
            saved = await change.save(service, request.path_params, scope)
            return reply(saved, self.status)

        return Route(self.path, guarded(endpoint), methods=[self.method])


class ChangesResource:
    """Change routes that are all saved by one service."""

    def __init__(self, service: object, *changes: ChangeRoute) -> None:
        self._service = service
        self._changes = changes

    def routes(self) -> list[Route]:
        return [change.route(self._service) for change in self._changes]
