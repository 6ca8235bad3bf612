"""A Call's payload with its fields in the order its official schema lists them.

Library dataclasses put required fields first (1.6 ``RemoteStartTransaction`` would be
``idTag, connectorId``); stations that read fields positionally, and operators reading the
wire, see the schema's order (``connectorId, idTag, chargingProfile``). Nested objects
follow their own definitions; keys the schema does not name keep their place at the end.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=256)
def _schema(package: str, name: str) -> dict[str, Any] | None:
    path = resources.files("ocpp") / package / "schemas" / f"{name}.json"
    if not path.is_file():
        return None
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return schema


def _resolved(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        found = definitions.get(ref.removeprefix("#/definitions/"))
        return found if isinstance(found, dict) else {}
    return node


def _ordered(value: Any, node: dict[str, Any], definitions: dict[str, Any]) -> Any:
    node = _resolved(node, definitions)
    if isinstance(value, list):
        items = node.get("items")
        return (
            [_ordered(v, items, definitions) for v in value] if isinstance(items, dict) else value
        )
    if not isinstance(value, dict):
        return value
    properties = node.get("properties")
    if not isinstance(properties, dict):
        return value
    ordered = {
        key: _ordered(value[key], properties[key], definitions)
        for key in properties
        if key in value
    }
    ordered.update({key: item for key, item in value.items() if key not in ordered})
    return ordered


def in_schema_order(package: str, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` (camelCase) ordered by the schema ``package/schemas/name.json``; as it is
    when there is no such schema."""
    schema = _schema(package, name)
    if schema is None:
        return payload
    result: dict[str, Any] = _ordered(payload, schema, schema.get("definitions") or {})
    return result
