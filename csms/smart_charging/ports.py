"""Ports of smart charging: stored charging profiles and the stations' reported limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from csms.charging.ports import SessionRepository
from csms.ports import EventRecorder
from csms.records import frozen
from csms.smart_charging.profile_rules import StationLimits


@frozen
class StoredProfile:
    """A profile as sent (or waiting to be sent) to a station; ``profile`` its neutral JSON."""

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
    created_at: datetime | None = None


@frozen
class StationFacts:
    """What sending a profile needs to know of its station."""

    operator_id: str | None
    ocpp_version: str | None
    limits: StationLimits | None  # None: not learned yet


class ProfileRepository(Protocol):
    async def station(self, station_id: str) -> StationFacts | None: ...
    async def save_limits(self, station_id: str, limits: StationLimits) -> None: ...
    async def add(self, profile: StoredProfile) -> StoredProfile: ...
    async def get(self, profile_id: UUID, scope: str | None) -> StoredProfile | None: ...
    async def search(
        self, station_id: str | None, description: str | None, scope: str | None
    ) -> list[StoredProfile]: ...
    async def pending(self, station_id: str) -> list[StoredProfile]: ...
    async def set_status(self, profile_id: UUID, status: str, answer: str | None) -> None: ...


class ProfilesUnitOfWork(EventRecorder, Protocol):
    charging_profiles: ProfileRepository
    sessions: SessionRepository
