"""Memberships: special prices an operator gives chosen member accounts (seed 002 第13条).

``POST /api/memberships`` adds a membership (201) or changes its name and tariffs (200; its
``stations`` and ``sites`` are replaced, absent = none; members are kept), answered with the
membership. ``GET /api/memberships`` lists the caller's operator's (an admin's: all, or
``?operator_id=``), ``GET /api/memberships/{membership_id}`` gives one with its members.
``PUT`` and ``DELETE /api/memberships/{membership_id}/members/{account_id}`` add (idempotent)
and remove a member (404 if it is none). An operator's key sees and changes only its own
operator's memberships and accounts (another's are 404); a tariff, site or station that does
not exist is 400 naming the field, as for tariff assignments.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.administration.memberships import MAX_ENTRIES
from csms.administration.ports import Membership
from csms.api.error_status import BadRequest, guarded
from csms.api.paging import blank_or_text
from csms.api.parsing import (
    ID_MAX,
    Identifier,
    OptionalIdentifier,
    RequestBody,
    Text,
    checked_text,
    read_body,
    read_query,
)
from csms.api.policy import scope_of
from csms.api.responses import reply
from csms.api.route_models import describe

if TYPE_CHECKING:
    from csms.administration.memberships import MembershipService


def _tariff_map(value: object, info: ValidationInfo) -> dict[str, str]:
    """``{"<station or site>": "<tariff_id>"}``; null or absent is none."""
    field = str(info.field_name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{field} must be an object of tariff ids")
    if len(value) > MAX_ENTRIES:
        raise ValueError(f"{field} must have at most {MAX_ENTRIES} entries")
    for key, tariff_id in value.items():
        if not key or not isinstance(tariff_id, str) or not tariff_id:
            raise ValueError(f"{field}: each key and tariff id must be a non-empty string")
        checked_text(key, f"{field} key", ID_MAX)
        checked_text(tariff_id, f"{field}.{key}", ID_MAX)
    return dict(value)


TariffMap = Annotated[dict[str, str], BeforeValidator(_tariff_map)]


class MembershipChange(RequestBody):
    membership_id: Identifier = Field(description="[A-Za-z0-9._-], at most 48 characters")
    operator_id: OptionalIdentifier = Field(
        None, description="the membership's operator; an operator key's own when left out"
    )
    name: Text
    tariff_id: OptionalIdentifier = Field(
        None, description="what members pay at the operator's other stations (none: list price)"
    )
    stations: TariffMap = Field(default_factory=dict, description="station id -> tariff id")
    sites: TariffMap = Field(default_factory=dict, description="site -> tariff id")


class MembershipQuery(BaseModel):
    operator_id: Annotated[str | None, blank_or_text(ID_MAX)] = Field(
        None, description="only this operator's memberships"
    )


class MembershipBody(BaseModel):
    """A membership with its tariffs and members."""

    membership_id: str
    operator_id: str
    name: str
    tariff_id: str | None
    stations: dict[str, str]
    sites: dict[str, str]
    members: list[str]
    created_at: datetime | None
    updated_at: datetime | None


class MembershipSummary(BaseModel):
    """A membership in a list: its tariffs and how many members it has."""

    membership_id: str
    operator_id: str
    name: str
    tariff_id: str | None
    stations: dict[str, str]
    sites: dict[str, str]
    member_count: int
    created_at: datetime | None
    updated_at: datetime | None


class MembershipList(BaseModel):
    memberships: list[MembershipSummary]


class MemberAnswer(BaseModel):
    """Whether the account is a member now, and whether this call changed it."""

    membership_id: str
    account_id: str
    member: bool
    changed: bool


def _body(membership: Membership) -> MembershipBody:
    return MembershipBody(
        membership_id=membership.membership_id,
        operator_id=membership.operator_id,
        name=membership.name,
        tariff_id=membership.tariff_id,
        stations=dict(membership.stations),
        sites=dict(membership.sites),
        members=list(membership.members),
        created_at=membership.created_at,
        updated_at=membership.updated_at,
    )


def _summary(membership: Membership) -> MembershipSummary:
    fields = _body(membership).model_dump(exclude={"members"})
    return MembershipSummary(**fields, member_count=len(membership.members))


class MembershipsResource:
    def __init__(self, memberships: MembershipService) -> None:
        self._memberships = memberships

    def routes(self) -> list[Route]:
        one = "/api/memberships/{membership_id}"
        member = one + "/members/{account_id}"
        return [
            Route("/api/memberships", guarded(self.save), methods=["POST"]),
            Route("/api/memberships", guarded(self.list), methods=["GET"]),
            Route(one, guarded(self.get), methods=["GET"]),
            Route(member, guarded(self.add_member), methods=["PUT"]),
            Route(member, guarded(self.remove_member), methods=["DELETE"]),
        ]

    @describe(
        body=MembershipChange, answer=MembershipBody, status=201, errors=("not_found", "conflict")
    )
    async def save(self, request: Request) -> Response:
        """Add a membership (201) or change its name and tariffs (200).

        ``stations`` and ``sites`` replace the membership's (absent: none); members are kept.
        A tariff, site or station (of the membership's operator) that does not exist is 400;
        another operator's membership is 404; a change of its operator is 409.
        """
        change = await read_body(request, MembershipChange)
        scope = scope_of(request)
        operator_id = change.operator_id or scope
        if operator_id is None:
            raise BadRequest("bad request: operator_id must be a non-empty string")
        membership = Membership(
            membership_id=change.membership_id,
            operator_id=operator_id,
            name=change.name,
            tariff_id=change.tariff_id,
            stations=change.stations,
            sites=change.sites,
        )
        created = await self._memberships.save(membership, scope=scope)
        saved = await self._memberships.get(change.membership_id, scope=scope)
        return reply(_body(saved), 201 if created else 200)

    @describe(query=MembershipQuery, answer=MembershipList)
    async def list(self, request: Request) -> Response:
        """The memberships of the caller's operator (an admin's: all, or ``operator_id``'s)."""
        query = read_query(request, MembershipQuery)
        found = await self._memberships.list_memberships(
            scope=scope_of(request), operator_id=query.operator_id
        )
        return reply(MembershipList(memberships=[_summary(m) for m in found]))

    @describe(answer=MembershipBody)
    async def get(self, request: Request) -> Response:
        """One membership with its tariffs and members (another operator's: 404)."""
        membership_id = str(request.path_params["membership_id"])
        found = await self._memberships.get(membership_id, scope=scope_of(request))
        return reply(_body(found))

    @describe(answer=MemberAnswer)
    async def add_member(self, request: Request) -> Response:
        """Make the account (of the membership's operator) a member; idempotent."""
        membership_id, account_id = _member_path(request)
        changed = await self._memberships.add_member(
            membership_id, account_id, scope=scope_of(request)
        )
        answer = MemberAnswer(
            membership_id=membership_id, account_id=account_id, member=True, changed=changed
        )
        return reply(answer)

    @describe(answer=MemberAnswer)
    async def remove_member(self, request: Request) -> Response:
        """The account is no member any more; 404 when it was none."""
        membership_id, account_id = _member_path(request)
        await self._memberships.remove_member(membership_id, account_id, scope=scope_of(request))
        answer = MemberAnswer(
            membership_id=membership_id, account_id=account_id, member=False, changed=True
        )
        return reply(answer)


def _member_path(request: Request) -> tuple[str, str]:
    return str(request.path_params["membership_id"]), str(request.path_params["account_id"])
