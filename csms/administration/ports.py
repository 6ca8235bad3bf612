"""Ports of administration: what operator changes write, and the operator's read model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from csms.authorization.models import TokenRecord
from csms.authorization.ports import AccountRepository, StandRepository, TokenRepository
from csms.charging.models import Session, SessionState
from csms.ports import EventRecorder
from csms.records import frozen
from csms.settlement.models import MeterRecord, Statement
from csms.settlement.ports import MeterRepository
from csms.station_commands.ports import LocalListRepository, StationListRepository
from csms.stations.ports import StationRepository


class AdministrationUnitOfWork(EventRecorder, Protocol):
    stations: StationRepository
    station_lists: StationListRepository
    local_lists: LocalListRepository
    tokens: TokenRepository
    accounts: AccountRepository
    stands: StandRepository
    meters: MeterRepository


@frozen
class SessionQuery:
    """Which sessions a list wants, newest first (``started_at``, then ``session_id``, down).

    Each filter is off when None: the station, the card, the state, ``started_at`` from
    ``started_from`` (inclusive) to ``started_to`` (exclusive), the owning operator;
    ``stale_before``: only active sessions not heard of since. ``before`` is the keyset of
    the last session of the previous page: only sessions after it in that order, so a page
    never shifts when new sessions arrive. At most ``limit`` sessions.
    """

    station_id: str | None = None
    id_token: str | None = None
    state: SessionState | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    operator_id: str | None = None
    stale_before: datetime | None = None
    before: tuple[datetime, UUID] | None = None
    limit: int = 100


@frozen
class StatementRange:
    """The statements issued from ``issued_from`` (inclusive) to ``issued_to`` (exclusive),
    of ``operator_id``'s stations (None: any), with their sessions: the accountant's export."""

    issued_from: datetime | None = None
    issued_to: datetime | None = None
    operator_id: str | None = None


class ReadModel(Protocol):
    """Read-only queries for the operator API.

    ``scope`` is the operator whose data the caller may see (None: all); a row outside it
    is not found. The queries apply it, not the routes.
    """

    async def list_stations(self, scope: str | None = None) -> list[dict[str, object]]: ...
    async def station(
        self, station_id: str, scope: str | None = None
    ) -> dict[str, object] | None: ...
    async def list_sessions(
        self, query: SessionQuery, scope: str | None = None
    ) -> list[dict[str, object]]: ...
    async def statements_issued(
        self, wanted: StatementRange, scope: str | None = None
    ) -> list[tuple[Statement, Session]]: ...
    async def session(
        self, session_id: UUID, scope: str | None = None
    ) -> dict[str, object] | None: ...
    async def statements(self, session_id: UUID, scope: str | None = None) -> list[Statement]: ...
    async def signed_data(
        self, session_id: UUID, scope: str | None = None
    ) -> dict[str, object] | None: ...
    async def list_tokens(self, scope: str | None = None) -> list[TokenRecord]: ...
    async def list_meters(self, scope: str | None = None) -> list[MeterRecord]: ...
    async def ping(self) -> bool: ...


@frozen
class Membership:
    """Special prices an operator gives chosen member accounts (seed 002 第13条).

    ``stations`` and ``sites`` map a station id or a site to the tariff the members pay
    there; ``tariff_id``, if set, is what they pay at every other station of ``operator_id``.
    ``members`` are account ids of that operator, in order.
    """

    membership_id: str
    operator_id: str
    name: str
    tariff_id: str | None = None
    stations: Mapping[str, str] = field(default_factory=dict)
    sites: Mapping[str, str] = field(default_factory=dict)
    members: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@frozen
class MissingReferences:
    """What a membership names that does not exist: its operator, tariffs, sites, and
    stations that are not registered or not its operator's."""

    operator: bool = False
    tariffs: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()


class MembershipRepository(Protocol):
    """Memberships with their tariffs and members (``get`` and ``of_operator`` read all)."""

    async def get(self, membership_id: str) -> Membership | None: ...
    async def of_operator(self, operator_id: str | None) -> list[Membership]: ...
    async def save(self, membership: Membership) -> bool: ...
    async def add_member(self, membership_id: str, account_id: str) -> bool: ...
    async def remove_member(self, membership_id: str, account_id: str) -> bool: ...
    async def missing(self, membership: Membership) -> MissingReferences: ...


class MembershipsUnitOfWork(EventRecorder, Protocol):
    memberships: MembershipRepository
    accounts: AccountRepository


class Directory(Protocol):
    """Who and what exists, for the operator's lists (the console's pages), within a scope."""

    async def operators(self, scope: str | None) -> list[dict[str, object]]: ...
    async def accounts(self, scope: str | None) -> list[dict[str, object]]: ...
    async def station_messages(
        self, station_id: str, scope: str | None, limit: int
    ) -> list[dict[str, object]] | None:
        """The station's latest kept messages, newest first; None: no such station."""
        ...
