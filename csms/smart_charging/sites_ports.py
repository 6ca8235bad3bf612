"""Ports of sites and power sharing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from csms.ports import EventRecorder
from csms.smart_charging.sites import FeederMember, Site


class SiteRepository(Protocol):
    async def save(self, site: Site) -> None: ...
    async def get(self, site_id: str, scope: str | None) -> Site | None: ...
    async def site_ids(self, scope: str | None) -> list[str]: ...
    async def charging(
        self, site_id: str, now: datetime, interval_start: datetime
    ) -> list[dict[str, Any]]: ...
    async def sites_charging(self) -> list[str]: ...
    async def boost(self, session_id: UUID, boost_kw: Decimal, until: datetime) -> str: ...
    async def member_of_session(self, session_id: UUID) -> FeederMember | None: ...


class SitesUnitOfWork(EventRecorder, Protocol):
    sites: SiteRepository
