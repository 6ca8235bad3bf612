"""Compiled validators for the official OCPP JSON schemas shipped with the ``ocpp`` library.

fastjsonschema checks a 2.0.1 TransactionEvent in about 23 us where the library's Draft 4
validator takes 0.5 ms and skips ``format`` (style.md §13). A violation becomes the
:class:`RpcError` the specification names for it (see :mod:`csms.handlers.wire.dialects`).

Sampled values are descriptive: a message that carries one off its schema (a unit or
measurand we do not know, a value of the wrong type) is still taken, so that a stop is never
refused for it. The message schemas check each ``sampledValue`` only as an object; the
mapping checks each against the version's own sampled value schema
(:func:`sampled_value_problem`) and keeps a bad one as unreadable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any, Final

import fastjsonschema

from csms.handlers.wire.dialects import Dialect, ErrorCode, RpcError

_SUBJECT: Final = re.compile(r"^data(\.[\w.\[\]]+)?\s")
_RULE_TO_CODE: Final = {
    "type": ErrorCode.TYPE_CONSTRAINT,
    "additionalProperties": ErrorCode.FORMAT,
    "required": ErrorCode.OCCURRENCE_CONSTRAINT,
    "minItems": ErrorCode.OCCURRENCE_CONSTRAINT,
    "maxItems": ErrorCode.OCCURRENCE_CONSTRAINT,
}
_COMPILED: Final[dict[tuple[str, str], Callable[[Any], Any]]] = {}
_SAMPLED_VALUE: Final[dict[str, Callable[[Any], Any]]] = {}  # schema package -> validator


def _without_multiple_of(node: Any) -> None:
    """Drop ``multipleOf`` (charging limits: "at most one decimal"): fastjsonschema's check
    divides the value by a float, which fails for the exact Decimals we parse and send. The
    profile rules check the one decimal themselves (``smart_charging.profile_rules``)."""
    if isinstance(node, dict):
        node.pop("multipleOf", None)
        for value in node.values():
            _without_multiple_of(value)
    elif isinstance(node, list):
        for value in node:
            _without_multiple_of(value)


def _relax_sampled_values(node: Any) -> dict[str, Any] | None:
    """Check ``sampledValue`` items only as objects; returns their schema (None: none)."""
    found = None
    if isinstance(node, dict):
        sampled = (node.get("properties") or {}).get("sampledValue")
        if isinstance(sampled, dict) and isinstance(sampled.get("items"), dict):
            found, sampled["items"] = sampled["items"], {"type": "object"}
        for child in node.values():
            found = _relax_sampled_values(child) or found
    elif isinstance(node, list):
        for child in node:
            found = _relax_sampled_values(child) or found
    return found


def sampled_value_problem(schema_package: str, sampled_value: dict[str, Any]) -> str | None:
    """Why a (camelCase) sampled value is off its schema, or None (unknown package: None)."""
    validator = _SAMPLED_VALUE.get(schema_package)
    if validator is None:
        return None
    try:
        validator(sampled_value)
    except fastjsonschema.JsonSchemaValueException as exc:
        field = ".".join(str(p) for p in (exc.path or [])[1:]) or "sampledValue"
        return f"{field}: {_SUBJECT.sub('', exc.message)}"
    return None


class Schemas:
    """Compiled (fastjsonschema) validators for one version's official schema files."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._folder = resources.files("ocpp") / dialect.schema_package / "schemas"
        names = {entry.name.removesuffix(".json") for entry in self._folder.iterdir()}
        self.actions: frozenset[str] = frozenset(
            name.removesuffix("Request") if dialect.request_suffix else name
            for name in names
            if not name.endswith("Response") and name.endswith(dialect.request_suffix)
        )

    def _validator(self, name: str) -> Callable[[Any], Any]:
        key = (self._dialect.schema_package, name)
        validator = _COMPILED.get(key)
        if validator is None:  # compiled once per process, shared by every server instance
            text = (self._folder / f"{name}.json").read_text(encoding="utf-8-sig")
            schema = json.loads(text, parse_float=Decimal)
            schema.pop("$schema", None)  # 1.6 and 2.0.1 files differ; the checks are the same
            _without_multiple_of(schema)
            item = _relax_sampled_values(schema)
            package = self._dialect.schema_package
            if item is not None and package not in _SAMPLED_VALUE:
                definitions = schema.get("definitions", {})
                _SAMPLED_VALUE[package] = fastjsonschema.compile(
                    {**item, "definitions": definitions}
                )
            validator = fastjsonschema.compile(schema)
            _COMPILED[key] = validator
        return validator

    def warm(self, actions: set[str]) -> None:
        """Compile the validators of the handled actions at start-up, not on first use (the
        sampled value validator too: with MeterValues)."""
        for action in actions:
            self._validator(action + self._dialect.request_suffix)
            self._validator(action + "Response")

    def validate_request(self, action: str, payload: dict[str, Any], message_id: str) -> None:
        """Check a Call's payload against ``<Action>[Request].json``."""
        self._check(action + self._dialect.request_suffix, payload, message_id)

    def validate_response(self, action: str, payload: dict[str, Any], message_id: str) -> None:
        """Check a CallResult's payload against ``<Action>Response.json``."""
        self._check(action + "Response", payload, message_id)

    def _check(self, name: str, payload: dict[str, Any], message_id: str) -> None:
        try:
            self._validator(name)(payload)
        except fastjsonschema.JsonSchemaValueException as exc:
            code = _RULE_TO_CODE.get(exc.rule or "", ErrorCode.PROPERTY_CONSTRAINT)
            field = ".".join(str(p) for p in (exc.path or [])[1:]) or "payload"
            raise RpcError(
                code,
                f"{field}: {_SUBJECT.sub('', exc.message)}",
                message_id=message_id,
                details={"field": field, "rule": exc.rule},
            ) from exc
