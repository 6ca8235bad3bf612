"""The API's answer while the database is away: 503 with Retry-After, never a 500."""

from __future__ import annotations

import asyncpg
import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.availability import DatabaseUnavailable
from csms.storage.pool import DATABASE_UNAVAILABLE


def _failing_with(exc: BaseException) -> Starlette:
    """An app as create_app builds it: the middleware inside Starlette's error handling."""

    async def endpoint(request: Request) -> Response:
        raise exc

    return Starlette(
        routes=[Route("/api/x", endpoint)],
        middleware=[Middleware(DatabaseUnavailable, errors=DATABASE_UNAVAILABLE)],
    )


async def test_database_errors_are_answered_503() -> None:
    for exc in (
        ConnectionRefusedError("no socket"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    ):
        transport = httpx.ASGITransport(app=_failing_with(exc), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get("/api/x")
        assert answer.status_code == 503, exc
        assert answer.headers["Retry-After"] == "5"
        assert "database is unavailable" in answer.json()["error"]


async def test_other_errors_are_not_disguised_as_an_outage() -> None:
    transport = httpx.ASGITransport(app=_failing_with(KeyError("bug")), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/api/x")).status_code == 500
