"""``GET /openapi.json`` (OpenAPI 3.1) and ``GET /docs``, built from the app's own routes.

Nothing is written by hand: every route of the route table is an operation; its path
parameters come from the path (with their limits from ``parsing.PATH_LIMITS``), its query,
body and answer from its pydantic models' ``model_json_schema()`` (``route_models``: declared
with ``describe`` or read from the endpoint's code), its summary from the endpoint's
docstring, its errors from ``responses.ERROR_CODES``: the codes every route of its kind can
give (a key, a body, path parameters) and the ones it declares. Both are open: no key.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from importlib import metadata
from typing import Any, Final

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from csms.api.docs_page import docs_html
from csms.api.parsing import NAME_MAX, PATH_LIMITS
from csms.api.responses import ERROR_CODES, ErrorBody
from csms.api.route_models import RouteModels, models_of

_REF: Final = "#/components/schemas/{model}"
_ERROR: Final = {"$ref": "#/components/schemas/ErrorBody"}
_CHANGING: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OVERVIEW: Final = """The operator API of the central system.

Every `/api` route needs `Authorization: Bearer KEY`; a body is JSON. Every error is
`{"error": message, "code": machine_code}`; the codes are listed below and on each
operation. Paged lists answer `{"<items>": [...], "next": link or null}`, newest first."""


def _version() -> str:
    try:
        return metadata.version("csms")
    except metadata.PackageNotFoundError:
        return "0"


class Schemas:
    """The document's ``components.schemas``: each model's JSON schema, referenced by name."""

    def __init__(self) -> None:
        self.found: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
        schema = model.model_json_schema(
            by_alias=True,
            ref_template=_REF,
            mode="serialization" if mode == "serialization" else "validation",
        )
        self.found.update(schema.pop("$defs", {}))
        name = _schema_name(model, mode)
        self.found[name] = schema
        return {"$ref": _REF.format(model=name)}

    def inline(self, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(by_alias=True, ref_template=_REF)
        self.found.update(schema.pop("$defs", {}))
        return schema


def _schema_name(model: type[BaseModel], mode: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", model.__name__).strip("_")
    return f"{name}Answer" if mode == "serialization" else name


def _operation_id(method: str, path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{method.lower()}{path}").strip("_")


def _summary(route: Route) -> tuple[str, str]:
    doc = inspect.getdoc(route.endpoint) or ""
    first = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    return first or route.path, doc


def _parameters(route: Route, models: RouteModels, schemas: Schemas) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "maxLength": PATH_LIMITS.get(name, NAME_MAX)},
        }
        for name in route.param_convertors
    ]
    if models.query is not None:
        query = schemas.inline(models.query)
        required = set(query.get("required", ()))
        for name, schema in query.get("properties", {}).items():
            parameter = {"name": name, "in": "query", "required": name in required}
            parameter["schema"] = {k: v for k, v in schema.items() if k != "description"}
            if "description" in schema:
                parameter["description"] = schema["description"]
            found.append(parameter)
    return found


def _error_codes(method: str, route: Route, models: RouteModels) -> list[str]:
    """The codes a route can give: its kind's (key, body, path, query), then its own."""
    codes: list[str] = []
    if route.path.startswith("/api"):
        codes += ["unauthenticated", "forbidden", "database_unavailable"]
    if route.param_convertors or models.query is not None or route.path.startswith("/api"):
        codes.append("invalid_request")
    if models.body is not None or method in _CHANGING:
        codes += ["invalid_body", "unsupported_media_type"]
    own_404 = any(ERROR_CODES.get(code, (0, ""))[0] == 404 for code in models.errors)
    if route.param_convertors and not own_404:
        codes.append("not_found")
    return list(dict.fromkeys([*codes, *models.errors, "internal_error"]))


def _success(models: RouteModels, schemas: Schemas) -> tuple[str, dict[str, Any]]:
    """The success status (``2XX`` when neither it nor an answer is known) and its answer."""
    if models.media_type != "application/json":
        content: dict[str, Any] = {"schema": {"type": "string"}}
    elif models.answer is not None:
        content = {"schema": schemas.ref(models.answer, "serialization")}
    else:
        content = {"schema": {}}
    status = models.status or (200 if models.answer is not None else None)
    described = {"description": "success", "content": {models.media_type: content}}
    return (str(status) if status else "2XX"), described


def _responses(method: str, route: Route, models: RouteModels, schemas: Schemas) -> dict[str, Any]:
    status, answer = _success(models, schemas)
    responses: dict[str, Any] = {status: answer}
    for code in _error_codes(method, route, models):
        known, meaning = ERROR_CODES.get(code, (0, code))
        entry = responses.setdefault(
            str(known) if known else "default",
            {"description": "", "content": {"application/json": {"schema": _ERROR}}},
        )
        line = f"`{code}`: {meaning}"
        entry["description"] = f"{entry['description']}; {line}" if entry["description"] else line
    return responses


def operation(method: str, route: Route, schemas: Schemas) -> dict[str, Any]:
    """One route and method as an OpenAPI operation."""
    models = models_of(route.endpoint)
    summary, description = _summary(route)
    found: dict[str, Any] = {
        "operationId": _operation_id(method, route.path),
        "summary": summary,
        "description": description,
        "tags": [route.path.strip("/").split("/")[1 if route.path.startswith("/api/") else 0]],
        "parameters": _parameters(route, models, schemas),
        "responses": _responses(method, route, models, schemas),
        "security": [{"bearer": []}] if route.path.startswith("/api") else [],
    }
    if models.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(models.body)}},
        }
    return found


def document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``."""
    schemas = Schemas()
    schemas.ref(ErrorBody)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route):
            continue
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = operation(method, route, schemas)
    codes = "\n".join(
        f"| `{code}` | {status} | {meaning} |" for code, (status, meaning) in ERROR_CODES.items()
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CSMS operator API",
            "version": _version(),
            "description": f"{_OVERVIEW}\n\n| code | status | meaning |\n|---|---|---|\n{codes}",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.found,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


class OpenApiResource:
    """``/openapi.json`` and ``/docs`` of the routes in ``routes`` (read at the first request,
    so the list may be completed after this resource is made, its own routes included)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = routes
        self._document: dict[str, Any] | None = None

    def routes(self) -> list[Route]:
        return [Route("/openapi.json", self.openapi), Route("/docs", self.docs)]

    def _built(self) -> dict[str, Any]:
        if self._document is None:
            self._document = document(self._routes)
        return self._document

    async def openapi(self, request: Request) -> Response:
        """This document: OpenAPI 3.1, generated from the routes and their models."""
        return JSONResponse(self._built())

    async def docs(self, request: Request) -> Response:
        """Every route, its parameters, body fields, answers and errors, as one HTML page."""
        return HTMLResponse(docs_html(self._built()))
