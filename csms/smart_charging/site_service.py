"""Sites as an operator manages them (API and CLI), and boost requests (seed 004 第2条12:
ブーストモード: a short-time rated current for a set output time)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from csms.clock import Clock
from csms.errors import InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider
from csms.smart_charging.power_sharing import PowerSharing
from csms.smart_charging.sites import Site
from csms.smart_charging.sites_ports import SitesUnitOfWork

MAX_BOOST: timedelta = timedelta(hours=2)


class SiteService:
    def __init__(
        self, uow: UnitOfWorkProvider[SitesUnitOfWork], clock: Clock, sharing: PowerSharing
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sharing = sharing

    async def save(self, site: Site, scope: str | None) -> Site:
        """Add or replace a site (its feeders and EVSEs as given); within the caller's operator."""
        if scope is not None and site.operator_id not in (None, scope):
            raise NotFound(f"no operator {site.operator_id!r}")
        try:
            site.check()
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
        async with self._uow() as uow:
            current = await uow.sites.get(site.site_id, None)
            if current is not None and scope is not None and current.operator_id != scope:
                raise NotFound(f"no site {site.site_id!r}")
            await uow.sites.save(site)
        await self._sharing.recompute(site.site_id)
        return site

    async def get(self, site_id: str, scope: str | None) -> Site:
        async with self._uow() as uow:
            found = await uow.sites.get(site_id, scope)
        if found is None:
            raise NotFound(f"no site {site_id!r}")
        return found

    async def site_ids(self, scope: str | None) -> list[str]:
        async with self._uow() as uow:
            return await uow.sites.site_ids(scope)

    async def boost(self, session_id: uuid.UUID, duration_s: int, scope: str | None) -> str:
        """The session's EVSE at its rated power for ``duration_s`` where the feeders allow it,
        the others yielding (the allocator); returns the site's id."""
        if not 0 < duration_s <= MAX_BOOST.total_seconds():
            raise InvalidInput(f"duration_s is 1 to {int(MAX_BOOST.total_seconds())} seconds")
        until = self._clock.now() + timedelta(seconds=duration_s)
        async with self._uow() as uow:
            member = await uow.sites.member_of_session(session_id)
            if member is None:
                raise NotFound(f"no session {session_id} on an EVSE of a site")
            site_id = await uow.sites.boost(session_id, member.max_kw, until)
            site = await uow.sites.get(site_id, scope)
            if site is None:
                raise NotFound(f"no session {session_id} on an EVSE of a site")
        await self._sharing.recompute(site_id)
        return site_id
