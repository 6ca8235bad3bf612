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
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from csms.access.models import Principal
from csms.api.forms import form_fields
from csms.console.charts import chart_svg, series_of
from csms.console.lists import ListPages
from csms.console.sessions import COOKIE, LANGUAGES, ConsoleSession
from csms.console.text import words
from csms.console.web import MAX_FORM_BYTES, Console

LIVE_POLL_S: Final = 1.0
# (method, path, permission, handler): public (no login), read (any logged-in user), change
# (a role that may change things, and the session's CSRF token).
ROUTE_TABLE: Final = (
    ("GET", "/", "public", "root"),
    ("GET", "/console/login", "public", "login_page"),
    ("POST", "/console/login", "public", "login"),
    ("GET", "/console/static/live.js", "public", "script"),
    ("POST", "/console/logout", "read", "logout"),
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
        wrap = {
            "public": lambda handler: handler,
            "read": self._console.reading,
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
        session.language = request.cookies.get("csms_lang", "ja")
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
        answer = RedirectResponse(request.headers.get("referer") or "/console", 303)
        answer.set_cookie("csms_lang", session.language, samesite="strict", secure=True)
        return answer

    async def overview(self, request: Request, session: ConsoleSession) -> Response:
        """Stations and connectors with their status, updated live; filters."""
        answer = await self._console.api.call(session.api_key, "GET", "/api/stations")
        stations = _filtered(answer.body.get("stations", []), request.query_params)
        return self._console.page(
            request, session, "overview.html", stations=stations, query=request.query_params
        )

    async def live(self, request: Request, session: ConsoleSession) -> Response:
        """Server-sent events: each connector's status whenever it changes."""
        return StreamingResponse(self._statuses(request, session), media_type="text/event-stream")

    async def _statuses(self, request: Request, session: ConsoleSession) -> AsyncIterator[str]:
        seen: dict[str, str] = {}
        while not await request.is_disconnected() and self._console.session_of(request):
            answer = await self._console.api.call(session.api_key, "GET", "/api/stations")
            changed = {}
            for station in answer.body.get("stations", []) if answer.ok else []:
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
        api = self._console.api
        found = await api.call(session.api_key, "GET", f"/api/stations/{station_id}")
        if not found.ok:
            return self._console.page(request, session, "refused.html", status=found.status)
        sessions = await api.call(
            session.api_key, "GET", "/api/sessions", params={"station_id": station_id, "limit": 10}
        )
        messages = await api.call(session.api_key, "GET", f"/api/stations/{station_id}/messages")
        return self._console.page(
            request,
            session,
            "station.html",
            station=found.body,
            sessions=sessions.body.get("sessions", []) if sessions.ok else [],
            messages=messages.body.get("messages", [])[:20] if messages.ok else [],
            answer=request.query_params.get("answer"),
        )

    async def command(self, request: Request, session: ConsoleSession) -> Response:
        """One command button: the API's answer (the station's) shown on the station page."""
        station_id = request.path_params["station_id"]
        form: dict[str, str] = request.state.form
        chosen = form.get("command", "")
        evse = form.get("evse_id", "")
        evse_id = int(evse) if evse.isdigit() else None
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
            session.api_key, method, f"/api/stations/{station_id}/{path}", json=body
        )
        shown = json.dumps(
            answer.body.get("payload", answer.body)
            if isinstance(answer.body, dict)
            else answer.body,
            ensure_ascii=False,
        )
        text = f"{words(session.language).get(chosen, chosen)}: {answer.status} {shown}"
        return RedirectResponse(f"/console/stations/{quote(station_id)}?answer={quote(text)}", 303)

    async def sessions(self, request: Request, session: ConsoleSession) -> Response:
        params = {k: v for k, v in request.query_params.items() if k in _SESSION_FILTERS and v}
        params.setdefault("limit", "50")
        found = await self._console.api.call(session.api_key, "GET", "/api/sessions", params=params)
        return self._console.page(
            request,
            session,
            "sessions.html",
            sessions=found.body.get("sessions", []) if found.ok else [],
            next=found.body.get("next") if found.ok else None,
            query=request.query_params,
        )

    async def session(self, request: Request, session: ConsoleSession) -> Response:
        """One session: its meter values as a chart, its statement, its signed records."""
        session_id = request.path_params["session_id"]
        api, key = self._console.api, session.api_key
        found = await api.call(key, "GET", f"/api/sessions/{session_id}")
        if not found.ok:
            return self._console.page(request, session, "refused.html", status=found.status)
        statement = await api.call(key, "GET", f"/api/sessions/{session_id}/statement")
        signed = await api.call(key, "GET", f"/api/sessions/{session_id}/signed-data")
        t = words(session.language)
        power, energy = series_of(found.body.get("samples", []), found.body.get("meter_start_wh"))
        return self._console.page(
            request,
            session,
            "session.html",
            item=found.body,
            statement=statement.body if statement.ok else None,
            signed=signed.body if signed.ok else None,
            chart=chart_svg(power, energy, (t["power_kw"], t["energy_kwh"])),
            closed=request.query_params.get("closed"),
        )

    async def remote_stop(self, request: Request, session: ConsoleSession) -> Response:
        """RemoteStopTransaction / RequestStopTransaction of a running session."""
        session_id = request.path_params["session_id"]
        answer = await self._console.api.call(
            session.api_key, "POST", f"/api/sessions/{session_id}/remote-stop", json={}
        )
        shown = json.dumps(answer.body, ensure_ascii=False)[:300]
        return RedirectResponse(
            f"/console/sessions/{session_id}?closed={quote(f'{answer.status} {shown}')}", 303
        )

    async def close(self, request: Request, session: ConsoleSession) -> Response:
        """Close a stuck session at its last reading, with the operator's reason."""
        session_id = request.path_params["session_id"]
        reason = request.state.form.get("reason", "").strip() or "closed from the console"
        answer = await self._console.api.call(
            session.api_key, "POST", f"/api/sessions/{session_id}/close", json={"reason": reason}
        )
        flag = "1" if answer.ok else answer.message or str(answer.status)
        return RedirectResponse(f"/console/sessions/{session_id}?closed={flag}", 303)


_SESSION_FILTERS: Final = frozenset({"station_id", "state", "id_token", "limit", "before"})


def _filtered(stations: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    """The overview's filters: operator, site, status (of any connector)."""
    operator, site, status = query.get("operator_id"), query.get("site"), query.get("status")
    return [
        s
        for s in stations
        if (not operator or s.get("operator_id") == operator)
        and (not site or s.get("site") == site)
        and (not status or any(c["status"] == status for c in s.get("connectors", [])))
    ]
