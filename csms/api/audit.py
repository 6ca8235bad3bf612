"""``GET /api/audit?station_id=&since=&limit=``: who did what, newest first.

Admins read every row, an operator the rows of its own stations and its own calls
(``csms.access``); the rows are written by the access-control middleware (every
state-changing call) and the audited gateway (every command sent to a station).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.access.models import AuditEntry
from csms.access.service import MAX_AUDIT_ROWS
from csms.api.error_status import answers_errors
from csms.api.parsing import Moment, OptionalIdentifier, limit_between, read_query
from csms.api.policy import scope_of
from csms.api.responses import reply

if TYPE_CHECKING:
    from csms.access.service import AccessService


class AuditFilter(BaseModel):
    station_id: OptionalIdentifier = None
    since: Moment = None  # ISO 8601 with a UTC offset
    limit: Annotated[int, limit_between(1, MAX_AUDIT_ROWS, "limit is an integer")] = 100


class AuditLog(BaseModel):
    entries: list[AuditEntry]


class AuditResource:
    def __init__(self, access: AccessService) -> None:
        self._access = access

    def routes(self) -> list[Route]:
        return [Route("/api/audit", answers_errors(self.list))]

    async def list(self, request: Request) -> Response:
        query = read_query(request, AuditFilter)
        entries = await self._access.audit(
            scope_of(request), query.station_id, query.since, query.limit
        )
        return reply(AuditLog(entries=entries))
