"""Charging profiles (OCPP 1.6 §3.13 / 2.0.1 K): an operator's profiles in one
version-neutral shape, and the station's composite schedule.

``POST /api/stations/{id}/charging-profiles {"description", "evse_id", "profile": {"purpose",
"stack_level", "kind", "recurrency"?, "valid_from"?, "valid_to"?, "session_id"?, "schedule":
{"unit", "start"?, "duration_s"?, "min_rate"?, "periods": [{"start_s", "limit", "phases"?}]}}}``
answers 201 with the stored profile and its integer ``ocpp_profile_id``: ``accepted`` or
``rejected`` with the station's answer, or ``pending`` while the station is offline (sent when
it connects). Limits are exact: JSON numbers are read as decimals, never floats.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import BadRequest, InvalidBody, guarded
from csms.api.policy import scope_of
from csms.api.responses import reply

if TYPE_CHECKING:
    from csms.smart_charging.ports import StoredProfile
    from csms.smart_charging.profiles import ProfileService


class ProfileOut(BaseModel):
    profile_id: UUID
    ocpp_profile_id: int
    station_id: str
    evse_id: int
    description: str | None
    source: str
    profile: dict[str, Any]
    session_id: UUID | None
    status: str
    station_answer: str | None
    created_at: datetime | None

    @classmethod
    def of(cls, stored: StoredProfile) -> ProfileOut:
        return cls(**{name: getattr(stored, name) for name in cls.model_fields})


class ProfileList(BaseModel):
    charging_profiles: list[ProfileOut]


class CompositeOut(BaseModel):
    station_id: str
    status: str | None
    answer: dict[str, Any]


async def _exact_body(request: Request) -> dict[str, Any]:
    """The JSON object with numbers as Decimal (a limit of 7.5 stays exactly 7.5)."""
    try:
        body = json.loads(await request.body() or b"{}", parse_float=Decimal)
    except ValueError as exc:
        raise InvalidBody("bad request: the body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidBody("bad request: the body must be a JSON object")
    return body


def _uuid(value: Any, what: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise BadRequest(f"bad request: {what} is not a UUID") from None


def _int(value: str | None, what: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if value is None or not value.isdigit():
        raise BadRequest(f"bad request: {what} must be a non-negative integer")
    return int(value)


class ChargingProfilesResource:
    def __init__(self, profiles: ProfileService) -> None:
        self._profiles = profiles

    def routes(self) -> list[Route]:
        return [
            Route(
                "/api/stations/{station_id}/charging-profiles",
                guarded(self.create),
                methods=["POST"],
            ),
            Route("/api/charging-profiles", guarded(self.search), methods=["GET"]),
            Route("/api/charging-profiles/{profile_id}", guarded(self.clear), methods=["DELETE"]),
            Route(
                "/api/stations/{station_id}/composite-schedule",
                guarded(self.composite),
                methods=["GET"],
            ),
        ]

    async def create(self, request: Request) -> Response:
        body = await _exact_body(request)
        profile = body.get("profile")
        if not isinstance(profile, dict):
            raise InvalidBody("bad request: profile must be an object")
        evse_id = body.get("evse_id", 0)
        if isinstance(evse_id, bool) or not isinstance(evse_id, int) or evse_id < 0:
            raise InvalidBody("bad request: evse_id must be an integer of 0 or more")
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 200):
            raise InvalidBody("bad request: description must be a string of at most 200 characters")
        session = profile.get("session_id")
        stored = await self._profiles.create(
            request.path_params["station_id"],
            evse_id,
            profile,
            description=description,
            session_id=_uuid(session, "session_id") if session is not None else None,
            scope=scope_of(request),
        )
        return reply(ProfileOut.of(stored), 201)

    async def search(self, request: Request) -> Response:
        query = request.query_params
        found = await self._profiles.search(
            query.get("station_id"), query.get("description"), scope_of(request)
        )
        return reply(ProfileList(charging_profiles=[ProfileOut.of(p) for p in found]))

    async def clear(self, request: Request) -> Response:
        profile_id = _uuid(request.path_params["profile_id"], "profile id")
        return reply(ProfileOut.of(await self._profiles.clear(profile_id, scope_of(request))))

    async def composite(self, request: Request) -> Response:
        query = request.query_params
        unit = query.get("unit")
        if unit not in (None, "A", "W"):
            raise BadRequest("bad request: unit must be A or W")
        station_id = request.path_params["station_id"]
        result = await self._profiles.composite(
            station_id,
            _int(query.get("evse_id"), "evse_id", 0),
            _int(query.get("duration_s"), "duration_s", 3600),
            unit,
            scope_of(request),
        )
        return reply(
            CompositeOut(station_id=station_id, status=result.status, answer=result.payload)
        )
