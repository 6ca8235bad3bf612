"""What the CLI's API commands share: the running server's operator API over HTTP (stdlib).

The CLI has no socket to a station: ``csms station reset ...`` and ``csms session ...``
call the API of the running ``csms serve`` at ``http://{api_host}:{api_port}`` (the
settings; ``0.0.0.0`` / ``::`` are reached on the loopback), with the key of
``--api-key`` or else ``CSMS_API_KEY``. Answers print as a table, or as the API's JSON with
``--json``; a failure prints one line to stderr. Exit codes: 0 done, 1 the API or the
station refused (the line says why), 2 bad usage or settings (no key), 3 the server could not
be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode

from pydantic import ValidationError

from csms.settings import load_settings

EXIT_REFUSED: Final = 1
EXIT_USAGE: Final = 2
EXIT_UNREACHABLE: Final = 3
TIMEOUT_S: Final = 60.0  # the server's own deadline on a station's answer is shorter
_LOOPBACK: Final = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


class CliFailure(Exception):
    """One line for stderr and the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def add_api_options(parser: argparse.ArgumentParser) -> None:
    """``--api-key`` and ``--json`` of every API command."""
    parser.add_argument("--api-key", help="operator API key (default: $CSMS_API_KEY)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON answer")


def segment(value: str) -> str:
    """A path segment, percent-encoded."""
    return quote(value, safe="")


class ApiClient:
    def __init__(self, base_url: str, key: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._key = key

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ApiClient:
        key = args.api_key or os.environ.get("CSMS_API_KEY")
        if not key:
            raise CliFailure("no API key: pass --api-key or set CSMS_API_KEY", EXIT_USAGE)
        try:
            settings = load_settings()
        except ValidationError as exc:
            raise CliFailure(f"invalid settings: {exc.errors()[0]['msg']}", EXIT_USAGE) from exc
        host = _LOOPBACK.get(settings.api_host, settings.api_host)
        host = f"[{host}]" if ":" in host else host
        return cls(f"http://{host}:{settings.api_port}", key)

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: Sequence[tuple[str, str]] = (),
    ) -> Any:
        """The JSON answer of ``method path``; a 4xx or 5xx is CliFailure with its message."""
        url = self._base_url + path + (f"?{urlencode(list(query))}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data, headers, method=method)  # noqa: S310
        try:
            with _OPENER.open(request, timeout=TIMEOUT_S) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise CliFailure(f"{exc.code}: {_message(exc.read())}", EXIT_REFUSED) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliFailure(f"cannot reach the API at {self._base_url}: {reason}", 3) from exc


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: the key must never follow one to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy (the key would travel to it in clear text) and no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _message(raw: bytes) -> str:
    """The API's ``error`` (with the station's code, if any), else the text itself."""
    try:
        body = json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace").strip()[:300] or "no answer"
    if not isinstance(body, dict) or "error" not in body:
        return str(body)[:300]
    station_code = body.get("station_code")
    return f"{body['error']}" + (f" [{station_code}]" if station_code else "")


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """``rows`` as a plain-text table of ``columns`` (missing values blank)."""
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    lines = [list(columns), *cells]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def answer_table(answer: Any) -> str:
    """A station's answer (``action``, ``status``, ``payload``) as a two-line table."""
    return table([answer], ["action", "status", "payload"])


def run_api(
    args: argparse.Namespace,
    action: Callable[[ApiClient, argparse.Namespace], Any],
    render: Callable[[Any], str] = answer_table,
) -> int:
    """Run ``action``; print its answer as ``render`` has it, or as JSON (``--json``)."""
    try:
        client = ApiClient.from_args(args)
        answer = action(client, args)
    except CliFailure as failure:
        print(f"csms: {failure}", file=sys.stderr)
        return failure.code
    print(json.dumps(answer, indent=2, ensure_ascii=False) if args.json else render(answer))
    return 0
