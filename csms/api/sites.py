"""Sites for smart charging (seed 004 第2条12-14): ``PUT /api/sites/{site_id}`` with the
contracted demand, the feeder tree and the EVSEs on it; ``GET /api/sites``,
``GET /api/sites/{site_id}``; ``POST /api/sessions/{session_id}/boost {"duration_s"}``.
Numbers are exact: JSON numbers are read as decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.charging_profiles import _exact_body
from csms.api.error_status import InvalidBody, guarded
from csms.api.parsing import session_id
from csms.api.policy import scope_of
from csms.api.responses import reply
from csms.smart_charging.sites import FeederMember, FeederSpec, Site

if TYPE_CHECKING:
    from csms.smart_charging.site_service import SiteService

Kw = Annotated[Decimal, Field(ge=0)]


class FeederIn(BaseModel):
    feeder_id: Annotated[str, Field(min_length=1, max_length=64)]
    parent_id: str | None = None
    limit_kw: Kw | None = None
    limit_a: Kw | None = None
    phases: Annotated[int, Field(ge=1, le=3)] = 3
    voltage_v: Annotated[Decimal, Field(gt=0)] = Decimal(200)


class MemberIn(BaseModel):
    feeder_id: str
    station_id: Annotated[str, Field(min_length=1, max_length=64)]
    evse_id: Annotated[int, Field(ge=1)]
    current: Annotated[str, Field(pattern="^(AC|DC)$")] = "AC"
    phases: Annotated[int, Field(ge=1, le=3)] = 1
    max_kw: Annotated[Decimal, Field(gt=0)]
    min_kw: Kw = Decimal(0)


class SiteIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    operator_id: str | None = None
    location: str | None = None
    contracted_kw: Annotated[Decimal, Field(gt=0)] | None = None
    feeders: list[FeederIn] = Field(default_factory=list, max_length=200)
    members: list[MemberIn] = Field(default_factory=list, max_length=2000)


class SiteOut(BaseModel):
    site_id: str
    name: str
    operator_id: str | None
    location: str | None
    contracted_kw: Decimal | None
    feeders: list[dict[str, Any]]
    members: list[dict[str, Any]]

    @classmethod
    def of(cls, site: Site) -> SiteOut:
        return cls(
            site_id=site.site_id,
            name=site.name,
            operator_id=site.operator_id,
            location=site.location,
            contracted_kw=site.contracted_kw,
            feeders=[_fields(f) for f in site.feeders],
            members=[_fields(m) for m in site.members],
        )


class SiteList(BaseModel):
    sites: list[str]


class Boosted(BaseModel):
    session_id: str
    site_id: str
    duration_s: int


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


class SitesResource:
    def __init__(self, sites: SiteService) -> None:
        self._sites = sites

    def routes(self) -> list[Route]:
        return [
            Route("/api/sites", guarded(self.list), methods=["GET"]),
            Route("/api/sites/{site_id}", guarded(self.put), methods=["PUT"]),
            Route("/api/sites/{site_id}", guarded(self.get), methods=["GET"]),
            Route("/api/sessions/{session_id}/boost", guarded(self.boost), methods=["POST"]),
        ]

    async def put(self, request: Request) -> Response:
        try:
            body = SiteIn.model_validate(await _exact_body(request))
        except ValueError as exc:
            raise InvalidBody(f"bad request: {exc}") from exc
        scope = scope_of(request)
        site = Site(
            request.path_params["site_id"],
            body.name,
            body.operator_id or scope,
            body.location,
            body.contracted_kw,
            tuple(FeederSpec(**f.model_dump()) for f in body.feeders),
            tuple(FeederMember(**m.model_dump()) for m in body.members),
        )
        return reply(SiteOut.of(await self._sites.save(site, scope)))

    async def get(self, request: Request) -> Response:
        found = await self._sites.get(request.path_params["site_id"], scope_of(request))
        return reply(SiteOut.of(found))

    async def list(self, request: Request) -> Response:
        return reply(SiteList(sites=await self._sites.site_ids(scope_of(request))))

    async def boost(self, request: Request) -> Response:
        wanted = session_id(request)
        body = await _exact_body(request)
        duration = body.get("duration_s")
        if isinstance(duration, bool) or not isinstance(duration, int):
            raise InvalidBody("bad request: duration_s must be an integer of seconds")
        site_id = await self._sites.boost(wanted, duration, scope_of(request))
        return reply(Boosted(session_id=str(wanted), site_id=site_id, duration_s=duration), 201)
