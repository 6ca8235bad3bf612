"""What every console page shares: the templates, the logged-in session of a request, the
CSRF check of a form, and the answers (a page, a redirect)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from csms.api.forms import form_fields
from csms.console.api_client import ApiClient
from csms.console.sessions import COOKIE, LANGUAGES, ConsoleSession, ConsoleSessions
from csms.console.text import words

MAX_FORM_BYTES: Final = 4096
TEMPLATES: Final = Environment(
    loader=PackageLoader("csms.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

Page = Callable[[Request, ConsoleSession], Awaitable[Response]]


def same_origin(request: Request) -> bool:
    """A form posted from this site: the browser's ``Sec-Fetch-Site`` and ``Origin`` (when
    it sends them) name this origin. Refuses the cross-site POST of a login CSRF too."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


class Console:
    """The console's state: its logins and its way into the API."""

    def __init__(self, sessions: ConsoleSessions, api: ApiClient) -> None:
        self.sessions, self.api = sessions, api

    def session_of(self, request: Request) -> ConsoleSession | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def page(
        self, request: Request, session: ConsoleSession | None, template: str, **values: Any
    ) -> HTMLResponse:
        language = session.language if session else request.cookies.get("csms_lang", "ja")
        language = language if language in LANGUAGES else "ja"
        flash = session.take_flash() if session else None
        html = TEMPLATES.get_template(template).render(
            t=words(language), lang=language, session=session, flash=flash, **values
        )
        status = int(values.get("status", 200))
        answer = HTMLResponse(html, status)
        answer.headers["Cache-Control"] = "no-store"
        answer.headers["X-Frame-Options"] = "DENY"
        answer.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
            " script-src 'self'; frame-ancestors 'none'"
        )
        return answer

    def reading(self, handler: Page) -> Callable[[Request], Awaitable[Response]]:
        """A page for any logged-in user; the login page otherwise."""

        async def endpoint(request: Request) -> Response:
            session = self.session_of(request)
            if session is None:
                return RedirectResponse("/console/login", 303)
            return await handler(request, session)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    def changing(
        self, handler: Page, *, any_role: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        """A form that changes something: sent from this site, by a session whose role may
        change things (``any_role``: any logged-in user, e.g. its logout), with the session's
        CSRF token in the form (else 403)."""

        async def endpoint(request: Request) -> Response:
            session = self.session_of(request)
            if session is None:
                return RedirectResponse("/console/login", 303)
            form = await form_fields(request, MAX_FORM_BYTES)
            token = form.get("csrf", "")
            same = hmac.compare_digest(token.encode(), session.csrf.encode())
            allowed = any_role or session.can_change
            if not allowed or not same or not same_origin(request):
                return self.page(request, session, "refused.html", status=403)
            request.state.form = form
            return await handler(request, session)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint
