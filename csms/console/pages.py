"""The console's pages and their route table (docs/console.md). Every route is one of:
``public`` (the login), ``read`` (any logged-in user: admin, operator, viewer) or ``change``
(a form that changes something: admin or operator, with the session's CSRF token). The API
called underneath checks the same again with the user's key."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from importlib.resources import files
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from csms.access.models import Principal
from csms.api.forms import form_fields
from csms.console.charts import chart_svg, series_of
from csms.console.links import back_to, filtered, loopback, next_page, q
from csms.console.lists import ListPages
from csms.console.sessions import COOKIE, LANGUAGES, ConsoleSession
from csms.console.text import words
from csms.console.web import MAX_FORM_BYTES, Console, same_origin

LIVE_POLL_S: Final = 1.0
# (method, path, permission, handler): public (no login), read (any logged-in user), session
# (a form of any logged-in user, with its CSRF token), change (a role that may change
# things, and the session's CSRF token).
ROUTE_TABLE: Final = (
    ("GET", "/", "public", "root"),
    ("GET", "/console/login", "public", "login_page"),
    ("POST", "/console/login", "public", "login"),
    ("GET", "/console/static/live.js", "public", "script"),
    ("POST", "/console/logout", "session", "logout"),
    ("GET", "/console/lang/{language}", "read", "language"),
    ("GET", "/console", "read", "overview"),
    ("GET", "/console/live", "read", "live"),
    ("GET", "/console/stations/{station_id}", "read", "station"),
    ("POST", "/console/stations/{station_id}/command", "change", "command"),
    ("GET", "/console/sessions", "read", "sessions"),
    ("GET", "/console/sessions/{session_id}", "read", "session"),
    ("POST", "/console/sessions/{session_id}/close", "change", "close"),
    ("POST", "/console/sessions/{session_id}/remote-stop", "change", "remote_stop"),
    ("GET", "/console/stand-qr", "read", "qr_code"),
    ("GET", "/console/lists/{name}", "read", "listing"),
    ("GET", "/console/statements.csv", "read", "statements_csv"),
)
COMMANDS: Final[dict[str, tuple[str, str, dict[str, Any] | None]]] = {
    # form value: the API's method, path under the station, body
    "reset_soft": ("POST", "commands/reset", {"hard": False}),
    "reset_hard": ("POST", "commands/reset", {"hard": True}),
    "clear_cache": ("POST", "clear-cache", {}),
    "trigger_status": ("POST", "commands/trigger-message", {"message": "StatusNotification"}),
    "operative": ("POST", "commands/change-availability", {"operative": True}),
    "inoperative": ("POST", "commands/change-availability", {"operative": False}),
    "configuration": ("GET", "configuration", None),
    "local_list_version": ("GET", "local-list-version", None),
}


class ConsolePages(ListPages):
    def __init__(self, console: Console, authenticate: Any, public_url: Callable[[], str]) -> None:
        self._console = console
        self._authenticate = authenticate  # AccessService.authenticate
        self._public_url = public_url  # where the visitors' pages are reached

    def routes(self) -> list[Route]:
        """``ROUTE_TABLE``, each endpoint wrapped by what its permission needs."""
        wrap: dict[str, Callable[[Any], Any]] = {
            "public": lambda handler: handler,
            "read": self._console.reading,
            "session": lambda handler: self._console.changing(handler, any_role=True),
            "change": self._console.changing,
        }
        return [
            Route(path, wrap[permission](getattr(self, name)), methods=[method])
            for method, path, permission, name in ROUTE_TABLE
        ]

    async def root(self, request: Request) -> Response:
        return RedirectResponse("/console", 303)

    async def login_page(self, request: Request) -> Response:
        return self._console.page(request, None, "login.html")

    async def login(self, request: Request) -> Response:
        """An API key of an admin, operator or viewer opens a console session."""
        if not same_origin(request):  # no login CSRF: a cross-site form cannot log you in
            return self._console.page(request, None, "refused.html", status=403)
        form = await form_fields(request, MAX_FORM_BYTES)
        key = form.get("api_key", "").strip()
        principal: Principal | None = await self._authenticate(key) if key else None
        if principal is None or principal.role.value not in ("admin", "operator", "viewer"):
            return self._console.page(request, None, "login.html", failed=True, status=401)
        session_id = self._console.sessions.open(
            key, principal.name, principal.role.value, principal.operator_id
        )
        session = self._console.sessions.get(session_id)
        assert session is not None
        language = request.cookies.get("csms_lang", "ja")
        session.language = language if language in LANGUAGES else "ja"
        answer = RedirectResponse("/console", 303)
        answer.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", secure=True)
        return answer

    async def logout(self, request: Request, session: ConsoleSession) -> Response:
        self._console.sessions.close(request.cookies.get(COOKIE))
        answer = RedirectResponse("/console/login", 303)
        answer.delete_cookie(COOKIE)
        return answer

    async def language(self, request: Request, session: ConsoleSession) -> Response:
        chosen = request.path_params["language"]
        if chosen in LANGUAGES:
            session.language = chosen
        answer = RedirectResponse(back_to(request), 303)
        answer.set_cookie("csms_lang", session.language, samesite="strict", secure=True)
        return answer

    async def overview(self, request: Request, session: ConsoleSession) -> Response:
        """Stations and connectors with their status, updated live; filters."""
        answer = await self._console.api.call(session.api_key, "GET", "/api/stations")
        stations = filtered(answer.listed("stations"), request.query_params)
        return self._console.page(
            request,
            session,
            "overview.html",
            stations=stations,
            query=request.query_params,
            failed=None if answer.ok else f"{answer.status} {answer.message}",
            loopback=loopback(self._public_url()),
        )

    async def live(self, request: Request, session: ConsoleSession) -> Response:
        """Server-sent events: each connector's status whenever it changes."""
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            self._statuses(request, session), media_type="text/event-stream", headers=headers
        )

    async def _statuses(self, request: Request, session: ConsoleSession) -> AsyncIterator[str]:
        seen: dict[str, str] = {}
        while not await request.is_disconnected() and self._console.session_of(request):
            answer = await self._console.api.call(session.api_key, "GET", "/api/stations")
            if answer.status == 401:  # the key was revoked: the console session ends too
                self._console.sessions.close(request.cookies.get(COOKIE))
                return
            changed = {}
            for station in answer.listed("stations"):
                for connector in station.get("connectors", []):
                    key = f"{station['station_id']}/{connector['evse_id']}"
                    if seen.get(key) != connector["status"]:
                        seen[key] = changed[key] = connector["status"]
            if changed:
                yield f"data: {json.dumps(changed)}\n\n"
            await asyncio.sleep(LIVE_POLL_S)

    async def script(self, request: Request) -> Response:
        """The overview's one script: apply the live statuses to the table."""
        text = files("csms.console").joinpath("templates/live.js").read_text(encoding="utf-8")
        return Response(text, media_type="text/javascript")

    async def station(self, request: Request, session: ConsoleSession) -> Response:
        station_id = request.path_params["station_id"]
        api, key, path = self._console.api, session.api_key, f"/api/stations/{q(station_id)}"
        found = await api.call(key, "GET", path)
        if not found.document:
            return self._console.page(request, session, "refused.html", status=found.status)
        params = {"station_id": station_id, "limit": 10}
        sessions = await api.call(key, "GET", "/api/sessions", params=params)
        messages = await api.call(key, "GET", f"{path}/messages")
        return self._console.page(
            request,
            session,
            "station.html",
            station=found.document,
            sessions=sessions.listed("sessions"),
            messages=messages.listed("messages")[:20],
        )

    async def command(self, request: Request, session: ConsoleSession) -> Response:
        """One command button: the API's answer (the station's) shown on the station page."""
        station_id = request.path_params["station_id"]
        form: dict[str, str] = request.state.form
        chosen = form.get("command", "")
        evse = form.get("evse_id", "")
        evse_id = int(evse) if evse.isascii() and evse.isdigit() and len(evse) < 6 else None
        body: dict[str, Any] | None
        if chosen == "unlock":
            method, path, body = "POST", "commands/unlock-connector", {"evse_id": evse_id or 1}
        elif chosen == "remote_start":
            body = {"id_token": form.get("id_token", ""), "evse_id": evse_id}
            method, path = "POST", "remote-start"
        elif chosen in COMMANDS:
            method, path, body = COMMANDS[chosen]
        else:
            return self._console.page(request, session, "refused.html", status=400)
        answer = await self._console.api.call(
            session.api_key, method, f"/api/stations/{q(station_id)}/{path}", json=body
        )
        shown = answer.body.get("payload", answer.body) if isinstance(answer.body, dict) else ""
        text = json.dumps(shown, ensure_ascii=False)[:4000]
        session.flash = f"{words(session.language).get(chosen, chosen)}: {answer.status} {text}"
        return RedirectResponse(f"/console/stations/{q(station_id)}", 303)

    async def sessions(self, request: Request, session: ConsoleSession) -> Response:
        params = {k: v for k, v in request.query_params.items() if k in _SESSION_FILTERS and v}
        params.setdefault("limit", "50")
        found = await self._console.api.call(session.api_key, "GET", "/api/sessions", params=params)
        return self._console.page(
            request,
            session,
            "sessions.html",
            sessions=found.listed("sessions"),
            next=next_page(found.document.get("next"), params),
            query=request.query_params,
        )

    async def session(self, request: Request, session: ConsoleSession) -> Response:
        """One session: its meter values as a chart, its statement, its signed records."""
        path = f"/api/sessions/{q(request.path_params['session_id'])}"
        api, key = self._console.api, session.api_key
        found = await api.call(key, "GET", path)
        if not found.document:
            return self._console.page(request, session, "refused.html", status=found.status)
        statement = await api.call(key, "GET", f"{path}/statement")
        signed = await api.call(key, "GET", f"{path}/signed-data")
        t = words(session.language)
        item = found.document
        power, energy = series_of(found.listed("samples"), item.get("meter_start_wh"))
        return self._console.page(
            request,
            session,
            "session.html",
            item=item,
            statement=statement.document or None,
            signed=signed.document or None,
            chart=chart_svg(power, energy, (t["power_kw"], t["energy_kwh"])),
        )

    async def remote_stop(self, request: Request, session: ConsoleSession) -> Response:
        """RemoteStopTransaction / RequestStopTransaction of a running session."""
        page = f"/console/sessions/{q(request.path_params['session_id'])}"
        answer = await self._console.api.call(
            session.api_key, "POST", f"/api{page.removeprefix('/console')}/remote-stop", json={}
        )
        shown = json.dumps(answer.body, ensure_ascii=False)[:1000]
        session.flash = f"{words(session.language)['remote_stop']}: {answer.status} {shown}"
        return RedirectResponse(page, 303)

    async def close(self, request: Request, session: ConsoleSession) -> Response:
        """Close a stuck session at its last reading, with the operator's reason."""
        page = f"/console/sessions/{q(request.path_params['session_id'])}"
        reason = request.state.form.get("reason", "").strip()[:200] or "closed from the console"
        answer = await self._console.api.call(
            session.api_key,
            "POST",
            f"/api{page.removeprefix('/console')}/close",
            json={"reason": reason},
        )
        t = words(session.language)
        session.flash = t["closed"] if answer.ok else f"{answer.status} {answer.message}"
        return RedirectResponse(page, 303)


_SESSION_FILTERS: Final = frozenset({"station_id", "state", "id_token", "limit", "cursor"})
