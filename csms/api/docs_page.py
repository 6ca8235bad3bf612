"""``GET /docs``: the OpenAPI document as one self-contained HTML page (no script, no CDN).

Each operation with its summary, parameters, body fields (the body model's properties, one
reference deep), answer and error codes; then the table of every error code.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any, Final

_STYLE: Final = (
    "body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
    "h2{margin-top:2em;font-family:monospace}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
    "code{background:#f4f4f4}"
)


def _schema_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        found = document["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        return found if isinstance(found, dict) else {}
    return schema


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_of(item) for item in schema["anyOf"])
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _rows(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fields(document: dict[str, Any], operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return ""
    schema = _schema_of(document, content["schema"])
    required = set(schema.get("required", ()))
    rows = [
        (
            f"<code>{escape(name)}</code>",
            escape(_type_of(field)),
            "yes" if name in required else "no",
            escape(str(field.get("description", ""))),
        )
        for name, field in schema.get("properties", {}).items()
    ]
    return "<h3>Body</h3>" + _rows(("field", "type", "required", "meaning"), rows)


def _operation(document: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> str:
    parameters = [
        (
            f"<code>{escape(p['name'])}</code>",
            escape(p["in"]),
            escape(_type_of(p.get("schema", {}))),
            escape(str(p.get("description", ""))),
        )
        for p in operation.get("parameters", [])
    ]
    answers = [
        (escape(status), escape(str(answer.get("description", ""))))
        for status, answer in operation["responses"].items()
    ]
    key = "a key" if operation.get("security") else "open"
    return (
        f'<h2 id="{escape(operation["operationId"])}">{escape(method.upper())} {escape(path)}</h2>'
        f"<p>{escape(operation.get('description') or operation['summary'])} ({key})</p>"
        + _rows(("parameter", "in", "type", "meaning"), parameters)
        + _fields(document, operation)
        + "<h3>Answers</h3>"
        + _rows(("status", "codes"), answers)
    )


def docs_html(document: dict[str, Any]) -> str:
    """The page of ``document`` (an OpenAPI 3.1 document of ``openapi.document``)."""
    info = document["info"]
    parts = [
        _operation(document, method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(info['title'])}"
        f"</title><style>{_STYLE}</style></head><body><h1>{escape(info['title'])}</h1>"
        f"<p>The machine-readable document: <a href=/openapi.json>/openapi.json</a>.</p>"
        f"<pre>{escape(info['description'])}</pre>{''.join(parts)}</body></html>"
    )
