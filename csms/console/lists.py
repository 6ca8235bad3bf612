"""The console's lists and downloads: API lists as tables (cards, memberships, tariffs,
meters, reservations, sites, contracts, invoices, the audit log), the statements as CSV, and
a stand plate's QR code (seed 000). Each is one API read with the user's key."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any, Final

import segno
from starlette.requests import Request
from starlette.responses import Response

from csms.console.sessions import ConsoleSession
from csms.console.web import Console

# The lists the console shows as tables, each one API read (its roles and masking apply).
LISTS: Final = {
    "operators": "/api/operators",
    "accounts": "/api/accounts",
    "api-keys": "/api/api-keys",
    "cards": "/api/cards",
    "memberships": "/api/memberships",
    "tariffs": "/api/tariffs",
    "tariff-assignments": "/api/tariff-assignments",
    "meters": "/api/meters",
    "reservations": "/api/reservations",
    "sites": "/api/sites",
    "contracts": "/api/contracts",
    "invoices": "/api/invoices",
    "audit": "/api/audit",
}
STAND_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")


class ListPages:
    _console: Console
    _public_url: Callable[[], str]

    async def qr_code(self, request: Request, session: ConsoleSession) -> Response:
        """The QR code of a stand's visitor page for its plate (seed 000), SVG or PNG."""
        query = request.query_params
        stand_id, kind = query.get("stand_id", ""), query.get("kind", "svg")
        if not STAND_ID.fullmatch(stand_id) or kind not in ("svg", "png"):
            return self._console.page(request, session, "refused.html", status=404)
        url = f"{self._public_url().rstrip('/')}/v/{stand_id}"
        out = io.BytesIO()
        segno.make(url, error="m").save(out, kind=kind, scale=8, border=4)
        media = "image/svg+xml" if kind == "svg" else "image/png"
        headers = {"Content-Disposition": f'attachment; filename="stand-{stand_id}.{kind}"'}
        return Response(out.getvalue(), media_type=media, headers=headers)

    async def listing(self, request: Request, session: ConsoleSession) -> Response:
        """One of ``LISTS`` as a table: its rows' plain fields as columns."""
        name = request.path_params["name"]
        if name not in LISTS:
            return self._console.page(request, session, "refused.html", status=404)
        found = await self._console.api.call(session.api_key, "GET", LISTS[name])
        if not found.ok:
            return self._console.page(request, session, "refused.html", status=found.status)
        rows = _rows_of(found.body)
        columns = list(dict.fromkeys(k for row in rows[:50] for k in row))[:12]
        return self._console.page(
            request, session, "listing.html", name=name, rows=rows, columns=columns
        )

    async def statements_csv(self, request: Request, session: ConsoleSession) -> Response:
        """The statements as CSV (``GET /api/statements.csv``), the console's filters passed on."""
        found = await self._console.api.call(
            session.api_key, "GET", "/api/statements.csv", params=dict(request.query_params)
        )
        if not found.ok:
            return self._console.page(request, session, "refused.html", status=found.status)
        headers = {"Content-Disposition": 'attachment; filename="statements.csv"'}
        return Response(str(found.body), media_type="text/csv", headers=headers)


def _rows_of(body: Any) -> list[dict[str, Any]]:
    """The list in an API answer (its first list of objects), each value shown as text."""
    found = (
        next((v for v in body.values() if isinstance(v, list)), [])
        if isinstance(body, dict)
        else []
    )
    return [
        {
            k: v if isinstance(v, str | int | bool | None) else json.dumps(v, ensure_ascii=False)
            for k, v in row.items()
        }
        for row in found
        if isinstance(row, dict)
    ]
