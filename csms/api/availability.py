"""The API during a database outage: 503 with a message, not a 500 and a stack trace.

The outermost middleware: an error of the kind the database raises when it is away (the
bootstrap names them: connection refused, connection lost, server shutting down or in
recovery) is answered ``503 {"error": "the database is unavailable; try again shortly"}``
with ``Retry-After``, if no answer has been started yet. ``/healthz`` says the same.
"""

from __future__ import annotations

from typing import Final

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from csms.api.responses import error

log = structlog.get_logger(__name__)

RETRY_AFTER_S: Final = 5


class DatabaseUnavailable:
    def __init__(self, app: ASGIApp, errors: tuple[type[BaseException], ...]) -> None:
        self._app = app
        self._errors = errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._errors:
            await self._app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, sending)
        except self._errors as exc:
            log.warning("api_database_unavailable", path=scope["path"], error=str(exc)[:200])
            if started:
                return
            answer = error(503, "the database is unavailable; try again shortly")
            answer.headers["Retry-After"] = str(RETRY_AFTER_S)
            await answer(scope, receive, send)
