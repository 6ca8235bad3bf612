"""API for who may charge: operators, accounts, cards, stands, visitors, app start and stop.

``/public/...`` is the visitor's registration page backend (seed 000: one URL per stand);
everything under ``/api`` is the operator's (and, for app start/stop, the member app's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.administration.service import AdminService
from csms.api.responses import ExactJSONResponse, error, guarded, json_body, session_id_of
from csms.authorization.models import AccountStatus, Stand, TokenKind, TokenStatus
from csms.authorization.visitors import VisitorService
from csms.charging.app_sessions import AppSessionService, AppStartRefused
from csms.settlement.models import MeterRecord
from csms.station_commands.local_lists import LocalListService


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _when(body: dict[str, Any], key: str) -> datetime | None:
    value = _text(body, key, required=False)
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{key} needs a UTC offset")
    return moment


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer")
    return value


def member_routes(
    admin: AdminService,
    visitors: VisitorService,
    app_sessions: AppSessionService,
    local_lists: LocalListService,
) -> list[Route]:
    @guarded
    async def add_operator(request: Request) -> Response:
        body = await json_body(request)
        await admin.add_operator(str(_text(body, "operator_id")), str(_text(body, "name")))
        return ExactJSONResponse({"operator_id": body["operator_id"]}, status_code=201)

    @guarded
    async def set_station_operator(request: Request) -> Response:
        body = await json_body(request)
        station_id = request.path_params["station_id"]
        await admin.assign_station(station_id, str(_text(body, "operator_id")))
        return ExactJSONResponse({"station_id": station_id, "operator_id": body["operator_id"]})

    @guarded
    async def set_account(request: Request) -> Response:
        body = await json_body(request)
        app_token = await admin.set_account(
            str(_text(body, "account_id")),
            str(_text(body, "operator_id")),
            str(_text(body, "name")),
            email=_text(body, "email", required=False),
            status=AccountStatus(body.get("status", "valid")),
            expires_at=_when(body, "expires_at"),
            group_id=_text(body, "group_id", required=False),
        )
        return ExactJSONResponse(
            {"account_id": body["account_id"], "app_token": app_token}, status_code=201
        )

    @guarded
    async def set_card(request: Request) -> Response:
        body = await json_body(request)
        value = await admin.set_token(
            str(_text(body, "id_token")),
            TokenStatus(body.get("status", "Accepted")),
            kind=TokenKind(body.get("kind", "Unknown")),
            expires_at=_when(body, "expires_at"),
            group_id=_text(body, "group_id", required=False),
            operator_id=_text(body, "operator_id", required=False),
            account_id=_text(body, "account_id", required=False),
        )
        return ExactJSONResponse({"id_token": value}, status_code=201)

    @guarded
    async def add_stand(request: Request) -> Response:
        body = await json_body(request)
        stand = Stand(
            str(_text(body, "stand_id")),
            str(_text(body, "station_id")),
            _int(body, "evse_id"),
            _text(body, "label", required=False),
            bool(body.get("uses_passwords", False)),
        )
        await admin.add_stand(stand)
        return ExactJSONResponse({"stand_id": stand.stand_id}, status_code=201)

    @guarded
    async def register_visitor(request: Request) -> Response:
        """Seed 000: register, then touch any FeliCa card within 60 s (or get a password)."""
        body = await json_body(request)
        notify = body.get("notify", False)
        if not isinstance(notify, bool):
            raise ValueError("notify must be true or false")
        visit = await visitors.register(
            request.path_params["stand_id"],
            str(_text(body, "name")),
            str(_text(body, "email")),
            str(_text(body, "payment_reference")),
            notify=notify,
        )
        return ExactJSONResponse(visit, status_code=201)

    @guarded
    async def app_start(request: Request) -> Response:
        body = await json_body(request)
        result = await app_sessions.start(
            request.path_params["account_id"],
            str(_text(body, "station_id")),
            _int(body, "evse_id"),
        )
        if isinstance(result, AppStartRefused):
            return error(403, f"the account may not charge here: {result.status}")
        return ExactJSONResponse(result)

    @guarded
    async def app_stop(request: Request) -> Response:
        session_id = session_id_of(request)
        if session_id is None:
            return error(400, "session id is not a UUID")
        result = await app_sessions.stop(request.path_params["account_id"], session_id)
        return ExactJSONResponse(result)

    @guarded
    async def local_list_version(request: Request) -> Response:
        station_id = request.path_params["station_id"]
        version = await local_lists.station_version(station_id)
        return ExactJSONResponse({"station_id": station_id, "version": version})

    @guarded
    async def set_meter(request: Request) -> Response:
        body = await json_body(request)
        evse = body.get("evse_id")
        year = body.get("year")
        meter = MeterRecord(
            serial=str(_text(body, "serial")),
            maker=str(_text(body, "maker")),
            model=str(_text(body, "model")),
            year=_int(body, "year") if year is not None else None,
            accuracy_class=_text(body, "accuracy_class", required=False),
            public_key=_text(body, "public_key", required=False),
            station_id=_text(body, "station_id", required=False),
            evse_id=_int(body, "evse_id") if evse is not None else None,
            site=_text(body, "site", required=False),
            location_note=_text(body, "location_note", required=False),
            signs_ocmf=bool(body.get("signs_ocmf", True)),
            valid_from=_when(body, "valid_from"),
            valid_to=_when(body, "valid_to"),
        )
        await admin.set_meter(meter)
        return ExactJSONResponse({"serial": meter.serial}, status_code=201)

    @guarded
    async def set_meter_key(request: Request) -> Response:
        body = await json_body(request)
        serial = request.path_params["serial"]
        await admin.set_meter_key(serial, str(_text(body, "public_key")))
        return ExactJSONResponse({"serial": serial, "key": "registered"})

    return [
        Route("/api/meters", set_meter, methods=["POST"]),
        Route("/api/meters/{serial}/key", set_meter_key, methods=["PUT"]),
        Route("/api/operators", add_operator, methods=["POST"]),
        Route("/api/stations/{station_id}/operator", set_station_operator, methods=["PUT"]),
        Route("/api/stations/{station_id}/local-list-version", local_list_version),
        Route("/api/accounts", set_account, methods=["POST"]),
        Route("/api/cards", set_card, methods=["POST"]),
        Route("/api/stands", add_stand, methods=["POST"]),
        Route("/api/accounts/{account_id}/sessions", app_start, methods=["POST"]),
        Route("/api/accounts/{account_id}/sessions/{session_id}/stop", app_stop, methods=["POST"]),
        Route("/public/stands/{stand_id}/visits", register_visitor, methods=["POST"]),
    ]
