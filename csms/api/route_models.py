"""What a route takes and answers, for the OpenAPI document: declared, else read from its code.

A route declares its models with :func:`describe` on its endpoint (a method or a function)::

    @describe(query=SessionFilter, answer=SessionList, errors=("no_such_session",))
    async def list(self, request: Request) -> Response: ...

Wrappers made with ``functools.wraps`` (``answers_errors``, ``guarded``, ...) keep the
declaration. A route that declares nothing is read from its endpoint's code: the model given
to ``read_body`` / ``read_query`` / ``X.model_validate``, the model built inside ``reply(...)``
and the status passed to it, names resolved in the endpoint's globals and closure (so a
``ChangeRoute``'s ``self.body`` is found). What can be found neither way is left generic:
every route appears in the document regardless.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any, Final, TypeVar

from pydantic import BaseModel

from csms.records import frozen

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
DECLARED: Final = "__csms_route_models__"
_BODY_READERS: Final = frozenset({"read_body"})
_QUERY_READERS: Final = frozenset({"read_query"})


@frozen
class RouteModels:
    """A route's body, query and answer models; ``status`` of a success; the error codes it
    may give beyond the ones every route of its kind gives (``responses.ERROR_CODES``)."""

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None
    status: int | None = None
    errors: tuple[str, ...] = ()
    media_type: str = "application/json"


def describe(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    answer: type[BaseModel] | None = None,
    status: int | None = None,
    errors: tuple[str, ...] = (),
    media_type: str = "application/json",
) -> Callable[[Endpoint], Endpoint]:
    """Declare the endpoint's models (see the module's docstring)."""
    models = RouteModels(body, query, answer, status, errors, media_type)

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, DECLARED, models)
        return endpoint

    return mark


def models_of(endpoint: Callable[..., Any]) -> RouteModels:
    """The endpoint's declared models, else those read from its code (see the module)."""
    declared = getattr(endpoint, DECLARED, None)
    if isinstance(declared, RouteModels):
        return declared
    return _read(inspect.unwrap(endpoint))


def _read(function: Callable[..., Any]) -> RouteModels:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        names = inspect.getclosurevars(function)
    except (OSError, TypeError, SyntaxError):  # no source: a builtin, a lambda in a REPL
        return RouteModels()
    scope = {**names.builtins, **names.globals, **names.nonlocals}
    if inspect.ismethod(function):
        scope["self"] = function.__self__
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _note(node, scope, found)
    return RouteModels(
        found.get("body"), found.get("query"), found.get("answer"), found.get("status")
    )


def _note(call: ast.Call, scope: dict[str, Any], found: dict[str, Any]) -> None:
    """Note what one call of the endpoint's code tells: a body or query read, a reply."""
    name = _dotted(call.func)
    last = name.rsplit(".", 1)[-1] if name else ""
    if last in _BODY_READERS | _QUERY_READERS and len(call.args) >= 2:
        model = _model(_value(call.args[1], scope))
        if model is not None:
            found.setdefault("body" if last in _BODY_READERS else "query", model)
    elif last == "model_validate" and name is not None:
        model = _model(_resolve(name.rsplit(".", 1)[0], scope))
        if model is not None:
            found.setdefault("body", model)
    elif last == "reply" and call.args:
        if isinstance(call.args[0], ast.Call):
            model = _model(_value(call.args[0].func, scope))
            if model is not None:
                found.setdefault("answer", model)
        status = _value(call.args[1], scope) if len(call.args) > 1 else None
        if isinstance(status, int) and not isinstance(status, bool):
            found.setdefault("status", status)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _value(node: ast.expr, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    name = _dotted(node)
    return _resolve(name, scope) if name is not None else None


def _resolve(dotted: str, scope: dict[str, Any]) -> Any:
    head, *rest = dotted.split(".")
    value = scope.get(head)
    for attribute in rest:
        if value is None:
            return None
        try:
            value = getattr(value, attribute, None)
        except Exception:  # a property that fails: nothing found
            return None
    return value


def _model(value: Any) -> type[BaseModel] | None:
    return value if isinstance(value, type) and issubclass(value, BaseModel) else None
