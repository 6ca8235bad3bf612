"""The console's small helpers: path segments, the next page's link, the way back from the
language switch, and the overview's filters."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from starlette.requests import Request


def q(value: str) -> str:
    """A path parameter as one path segment of an API path (nothing else can ride in it)."""
    return quote(value, safe="")


def next_page(api_next: object, params: dict[str, str]) -> str | None:
    """The console's link to the next page: the API's cursor with the same filters."""
    if not isinstance(api_next, str):
        return None
    cursor = parse_qs(urlsplit(api_next).query).get("cursor")
    if not cursor:
        return None
    return "/console/sessions?" + urlencode({**params, "cursor": cursor[0]})


def back_to(request: Request) -> str:
    """Where the language switch returns: the referring console page of this host, else
    the overview (never another site)."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_host = referer.netloc == request.headers.get("host", "")
    if same_host and referer.path.startswith("/console") and not referer.path.startswith("//"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/console"


def loopback(url: str) -> bool:
    """A public URL that only this machine reaches (a QR code of it is useless on a plate)."""
    host = urlsplit(url).hostname or ""
    return host in ("", "localhost", "0.0.0.0") or host.startswith("127.")  # noqa: S104


def filtered(stations: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    """The overview's filters: operator, site, status (of any connector)."""
    operator, site, status = query.get("operator_id"), query.get("site"), query.get("status")
    return [
        s
        for s in stations
        if (not operator or s.get("operator_id") == operator)
        and (not site or s.get("site") == site)
        and (not status or any(c["status"] == status for c in s.get("connectors", [])))
    ]
