"""``GET /healthz``: is the database reachable (200 ok, 503 degraded)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import structlog
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import answers_errors
from csms.api.responses import reply

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel

log = structlog.get_logger(__name__)


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool


class HealthResource:
    def __init__(self, read_model: ReadModel) -> None:
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [Route("/healthz", answers_errors(self.check))]

    async def check(self, request: Request) -> Response:
        try:
            database = await self._read_model.ping()
        except Exception:  # request boundary: report, do not crash
            log.exception("healthz_database_failed")
            database = False
        health = Health(status="ok" if database else "degraded", database=database)
        return reply(health, 200 if database else 503)
