"""Sites, feeders, their EVSEs and boosts (migration 015), and what power sharing reads of
the sessions charging on them: measured power and the energy of the current demand interval."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

from csms.errors import NotFound
from csms.smart_charging.sites import FeederMember, FeederSpec, Site
from csms.storage.base import Repository

# Each active session on a member EVSE: its last power reading (W, within 5 minutes), the
# energy register now and at the interval's start, and a boost in force.
CHARGING: Final = """
SELECT m.station_id, m.evse_id, s.session_id, s.transaction_id, s.started_at, st.ocpp_version,
       b.boost_kw,
       (SELECT x.value * power(10::numeric, x.multiplier)
              * CASE WHEN x.unit = 'kW' THEN 1000 ELSE 1 END
        FROM meter_samples x
        WHERE x.session_id = s.session_id AND x.measurand = 'Power.Active.Import'
          AND x.phase IS NULL AND x.sampled_at >= $2::timestamptz - interval '5 minutes'
        ORDER BY x.sampled_at DESC LIMIT 1) AS measured_w,
       (SELECT max(x.sampled_at) FROM meter_samples x
        WHERE x.session_id = s.session_id AND x.measurand = 'Power.Active.Import'
          AND x.phase IS NULL) AS measured_at,
       (SELECT x.value * power(10::numeric, x.multiplier)
              * CASE WHEN x.unit = 'kWh' THEN 1000 ELSE 1 END
        FROM meter_samples x
        WHERE x.session_id = s.session_id AND x.measurand = 'Energy.Active.Import.Register'
        ORDER BY x.sampled_at DESC LIMIT 1) AS register_wh,
       coalesce(
        (SELECT x.value * power(10::numeric, x.multiplier)
              * CASE WHEN x.unit = 'kWh' THEN 1000 ELSE 1 END
         FROM meter_samples x
         WHERE x.session_id = s.session_id AND x.measurand = 'Energy.Active.Import.Register'
           AND x.sampled_at <= $3
         ORDER BY x.sampled_at DESC LIMIT 1), s.meter_start_wh) AS register_at_interval_wh
FROM feeder_members m
JOIN sessions s ON s.station_id = m.station_id AND s.evse_id = m.evse_id AND s.state = 'active'
JOIN stations st ON st.station_id = m.station_id
LEFT JOIN session_boosts b ON b.session_id = s.session_id AND b.until > $2
WHERE m.site_id = $1
ORDER BY s.started_at, m.station_id, m.evse_id"""
SITES_CHARGING: Final = """
SELECT DISTINCT m.site_id FROM feeder_members m
JOIN sessions s ON s.station_id = m.station_id AND s.evse_id = m.evse_id AND s.state = 'active'
ORDER BY m.site_id"""


class PostgresSiteRepository(Repository):
    __slots__ = ()

    async def save(self, site: Site) -> None:
        """The site with its feeders and members as given (the old ones replaced)."""
        await self._conn.execute(
            "INSERT INTO sites (site_id, operator_id, name, location, contracted_kw)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site_id) DO UPDATE SET"
            " operator_id = excluded.operator_id, name = excluded.name,"
            " location = excluded.location, contracted_kw = excluded.contracted_kw,"
            " updated_at = now()",
            site.site_id,
            site.operator_id,
            site.name,
            site.location,
            site.contracted_kw,
        )
        await self._replace_tree(site)

    async def _replace_tree(self, site: Site) -> None:
        await self._conn.execute("DELETE FROM feeder_members WHERE site_id = $1", site.site_id)
        await self._conn.execute("DELETE FROM feeders WHERE site_id = $1", site.site_id)
        for feeder in _parents_first(site.feeders):
            await self._conn.execute(
                "INSERT INTO feeders (site_id, feeder_id, parent_id, limit_kw, limit_a, phases,"
                " voltage_v) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                site.site_id,
                feeder.feeder_id,
                feeder.parent_id,
                feeder.limit_kw,
                feeder.limit_a,
                feeder.phases,
                feeder.voltage_v,
            )
        for member in site.members:
            await self._conn.execute(
                "INSERT INTO feeder_members (site_id, feeder_id, station_id, evse_id, current,"
                " phases, max_kw, min_kw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                site.site_id,
                member.feeder_id,
                member.station_id,
                member.evse_id,
                member.current,
                member.phases,
                member.max_kw,
                member.min_kw,
            )

    async def get(self, site_id: str, scope: str | None) -> Site | None:
        row = await self._conn.fetchrow("SELECT * FROM sites WHERE site_id = $1", site_id)
        if row is None or (scope is not None and row["operator_id"] != scope):
            return None
        feeders = await self._conn.fetch(
            "SELECT * FROM feeders WHERE site_id = $1 ORDER BY feeder_id", site_id
        )
        members = await self._conn.fetch(
            "SELECT * FROM feeder_members WHERE site_id = $1 ORDER BY station_id, evse_id", site_id
        )
        return Site(
            row["site_id"],
            row["name"],
            row["operator_id"],
            row["location"],
            row["contracted_kw"],
            tuple(_feeder(f) for f in feeders),
            tuple(_member(m) for m in members),
        )

    async def site_ids(self, scope: str | None) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT site_id FROM sites WHERE $1::text IS NULL OR operator_id = $1 ORDER BY site_id",
            scope,
        )
        return [row["site_id"] for row in rows]

    async def charging(
        self, site_id: str, now: datetime, interval_start: datetime
    ) -> list[dict[str, Any]]:
        return [dict(row) for row in await self._conn.fetch(CHARGING, site_id, now, interval_start)]

    async def sites_charging(self) -> list[str]:
        return [row["site_id"] for row in await self._conn.fetch(SITES_CHARGING)]

    async def boost(self, session_id: UUID, boost_kw: Any, until: datetime) -> str:
        """Record a boost for an active session on a site's EVSE; the site's id."""
        site_id: str | None = await self._conn.fetchval(
            "SELECT m.site_id FROM sessions s JOIN feeder_members m"
            " ON m.station_id = s.station_id AND m.evse_id = s.evse_id"
            " WHERE s.session_id = $1 AND s.state = 'active'",
            session_id,
        )
        if site_id is None:
            raise NotFound("no active session on an EVSE of a site")
        await self._conn.execute(
            "INSERT INTO session_boosts (session_id, boost_kw, until) VALUES ($1, $2, $3)"
            " ON CONFLICT (session_id) DO UPDATE SET boost_kw = excluded.boost_kw,"
            " until = excluded.until",
            session_id,
            boost_kw,
            until,
        )
        return site_id

    async def member_of_session(self, session_id: UUID) -> FeederMember | None:
        row = await self._conn.fetchrow(
            "SELECT m.* FROM sessions s JOIN feeder_members m"
            " ON m.station_id = s.station_id AND m.evse_id = s.evse_id WHERE s.session_id = $1",
            session_id,
        )
        return _member(row) if row is not None else None


def _parents_first(feeders: tuple[FeederSpec, ...]) -> list[FeederSpec]:
    """The feeders ordered so that each parent is written before its children."""
    placed: list[FeederSpec] = []
    known: set[str | None] = {None}
    waiting = list(feeders)
    while waiting:
        ready = [f for f in waiting if f.parent_id in known]
        if not ready:
            raise ValueError("the feeders form a cycle")
        placed += ready
        known |= {f.feeder_id for f in ready}
        waiting = [f for f in waiting if f not in ready]
    return placed


def _feeder(row: Any) -> FeederSpec:
    return FeederSpec(
        row["feeder_id"],
        row["parent_id"],
        row["limit_kw"],
        row["limit_a"],
        row["phases"],
        row["voltage_v"],
    )


def _member(row: Any) -> FeederMember:
    return FeederMember(
        row["feeder_id"],
        row["station_id"],
        row["evse_id"],
        row["current"],
        row["phases"],
        row["max_kw"],
        row["min_kw"],
    )
