"""A station's configuration, local list, firmware and diagnostics, in both versions' terms.

* ``GET /api/stations/{id}/configuration?key=A&key=B`` (or ``keys=A,B``): 1.6
  GetConfiguration (no key: all), 2.0.1 GetVariables (keys ``Component.Variable``);
* ``PUT /api/stations/{id}/configuration {"values": {key: value, ...}}``: 1.6 one
  ChangeConfiguration per key, 2.0.1 one SetVariables;
  both answer ``{"action", "values": [{"key", "status", "value"?}], "payloads"}``;
* ``PUT /api/stations/{id}/local-list {"version", "update_type", "entries"}``: SendLocalList;
  once Accepted the station holds that version (a Differential entry without status
  removes the token);
* ``POST /api/stations/{id}/firmware`` (UpdateFirmware) and ``.../diagnostics`` (1.6
  GetDiagnostics, 2.0.1 GetLog DiagnosticsLog): answered with the ``request_id``; the
  station's status notifications show at ``GET /api/stations/{id}``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.calls import station_answers, station_in_scope
from csms.api.commands import CommandAnswer, ConfigurationKey, ConfigurationValue
from csms.api.error_status import BadRequest
from csms.api.parsing import (
    INT32_MAX,
    NAME_MAX,
    Count,
    FreeText,
    Moment,
    OptionalCount,
    OptionalTokenId,
    RequestBody,
    TokenId,
    checked_text,
    read_body,
)
from csms.api.responses import reply
from csms.authorization.models import AuthorizationResult, TokenStatus
from csms.station_commands import commands as station

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.station_commands.local_lists import LocalListService
    from csms.station_commands.ports import StationGateway

MAX_KEYS: Final = 100
MAX_LIST_ENTRIES: Final = 1000


def _status(value: object, info: ValidationInfo) -> TokenStatus | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in set(TokenStatus):
        raise ValueError(f"status must be one of {', '.join(TokenStatus)}")
    return TokenStatus(value)


def _update_type(value: object, info: ValidationInfo) -> str:
    if value not in ("Full", "Differential"):
        raise ValueError("update_type must be Full or Differential")
    return str(value)


class ListEntry(RequestBody):
    id_token: TokenId
    status: Annotated[TokenStatus | None, BeforeValidator(_status)] = None
    expiry: Moment = None
    parent: OptionalTokenId = None

    def entry(self) -> station.LocalListEntry:
        if self.status is None:
            return station.LocalListEntry(self.id_token, "Unknown", None)
        result = AuthorizationResult(self.status, self.expiry, self.parent)
        return station.LocalListEntry(self.id_token, "Unknown", result)


class LocalListBody(RequestBody):
    version: Count
    update_type: Annotated[str, BeforeValidator(_update_type)]
    entries: list[ListEntry] = Field(default_factory=list, max_length=MAX_LIST_ENTRIES)

    def command(self) -> station.SendLocalList:
        full = self.update_type == "Full"
        if full and any(entry.status is None for entry in self.entries):
            raise BadRequest("bad request: every entry of a Full list needs a status")
        return station.SendLocalList(self.version, full, tuple(e.entry() for e in self.entries))


class ConfigurationBody(RequestBody):
    values: dict[ConfigurationKey, ConfigurationValue] = Field(min_length=1, max_length=MAX_KEYS)


class FirmwareBody(RequestBody):
    location: FreeText
    retrieve_at: Moment
    retries: OptionalCount = None
    retry_interval_s: OptionalCount = None


class DiagnosticsBody(RequestBody):
    location: FreeText
    start: Moment = None
    stop: Moment = None


class ConfigurationAnswer(BaseModel):
    action: str
    values: list[dict[str, Any]]
    payloads: list[dict[str, Any]]


class RequestAnswer(BaseModel):
    action: str
    status: str | None
    payload: dict[str, Any]
    request_id: int


def query_keys(request: Request) -> tuple[str, ...]:
    """``key=A&key=B`` and ``keys=A,B``, in order, each a configuration key."""
    keys = list(request.query_params.getlist("key"))
    for listed in request.query_params.getlist("keys"):
        keys += [key for key in listed.split(",") if key]
    if len(keys) > MAX_KEYS:
        raise BadRequest(f"bad request: at most {MAX_KEYS} keys")
    try:
        return tuple(checked_text(key, "key", NAME_MAX) for key in keys)
    except ValueError as exc:
        raise BadRequest(f"bad request: {exc}") from exc


def _variable_key(result: dict[str, Any]) -> str:
    return f"{result['component']['name']}.{result['variable']['name']}"


def read_values(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """GetConfiguration / GetVariables answers as ``{"key", "status", "value", ...}``."""
    if "getVariableResult" in payload:
        return [
            {
                "key": _variable_key(r),
                "status": r["attributeStatus"],
                "value": r.get("attributeValue"),
            }
            for r in payload["getVariableResult"]
        ]
    known = [
        {"key": k["key"], "status": "Accepted", "value": k.get("value"), "readonly": k["readonly"]}
        for k in payload.get("configurationKey") or []
    ]
    return known + [{"key": k, "status": "UnknownKey"} for k in payload.get("unknownKey") or []]


def _request_id() -> int:
    return secrets.randbelow(INT32_MAX) + 1


class StationSettingsResource:
    def __init__(
        self, gateway: StationGateway, read_model: ReadModel, local_lists: LocalListService
    ) -> None:
        self._gateway = gateway
        self._read_model = read_model
        self._local_lists = local_lists

    def routes(self) -> list[Route]:
        base = "/api/stations/{station_id}"
        return [
            Route(f"{base}/configuration", station_answers(self.configuration)),
            Route(f"{base}/configuration", station_answers(self.configure), methods=["PUT"]),
            Route(f"{base}/local-list", station_answers(self.local_list), methods=["PUT"]),
            Route(f"{base}/firmware", station_answers(self.firmware), methods=["POST"]),
            Route(f"{base}/diagnostics", station_answers(self.diagnostics), methods=["POST"]),
        ]

    async def _station(self, request: Request) -> tuple[str, dict[str, object]]:
        return await station_in_scope(self._read_model, request)

    async def configuration(self, request: Request) -> Response:
        keys = query_keys(request)
        station_id, _ = await self._station(request)
        result = await self._gateway.send(station_id, station.GetConfiguration(keys))
        payload = dict(result.payload)
        return reply(
            ConfigurationAnswer(
                action=result.action, values=read_values(payload), payloads=[payload]
            )
        )

    async def configure(self, request: Request) -> Response:
        body = await read_body(request, ConfigurationBody)
        station_id, found = await self._station(request)
        pairs = tuple(body.values.items())
        batches = [(pair,) for pair in pairs] if found.get("ocpp_version") == "1.6" else [pairs]
        values, payloads, action = [], [], "SetVariables"
        for batch in batches:
            result = await self._gateway.send(station_id, station.SetConfigurationValues(batch))
            action, payload = result.action, dict(result.payload)
            payloads.append(payload)
            if "setVariableResult" in payload:
                values += [
                    {"key": _variable_key(r), "status": r["attributeStatus"]}
                    for r in payload["setVariableResult"]
                ]
            else:
                values.append({"key": batch[0][0], "status": result.status})
        return reply(ConfigurationAnswer(action=action, values=values, payloads=payloads))

    async def local_list(self, request: Request) -> Response:
        command = (await read_body(request, LocalListBody)).command()
        station_id, _ = await self._station(request)
        return reply(CommandAnswer(await self._local_lists.send_list(station_id, command)))

    async def firmware(self, request: Request) -> Response:
        body = await read_body(request, FirmwareBody)
        if body.retrieve_at is None:
            raise BadRequest("bad request: retrieve_at is required")
        command = station.UpdateFirmware(
            body.location, body.retrieve_at, _request_id(), body.retries, body.retry_interval_s
        )
        return await self._requested(request, command)

    async def diagnostics(self, request: Request) -> Response:
        body = await read_body(request, DiagnosticsBody)
        command = station.GetDiagnostics(body.location, _request_id(), body.start, body.stop)
        return await self._requested(request, command)

    async def _requested(
        self, request: Request, command: station.UpdateFirmware | station.GetDiagnostics
    ) -> Response:
        station_id, _ = await self._station(request)
        result = await self._gateway.send(station_id, command)
        answer = RequestAnswer(
            action=result.action,
            status=result.status,
            payload=dict(result.payload),
            request_id=command.request_id,
        )
        return reply(answer)
