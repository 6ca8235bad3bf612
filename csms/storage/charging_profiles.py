"""Charging profiles as sent to stations, and what each station said it supports
(migration 015)."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from csms.smart_charging.ports import StationFacts, StoredProfile
from csms.smart_charging.profile_rules import StationLimits
from csms.storage.base import Columns, Query, Repository

PROFILE: Final = Columns(
    StoredProfile,
    "profile_id, ocpp_profile_id, station_id, evse_id, description, source, profile,"
    " session_id, status, station_answer, created_at",
)
INSERT: Final = f"""
INSERT INTO charging_profiles
    (profile_id, station_id, evse_id, description, source, profile, session_id, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING {PROFILE.sql}"""  # noqa: S608 (a constant column list)
_IN_SCOPE: Final = (
    "($SCOPE::text IS NULL OR EXISTS (SELECT 1 FROM stations s"
    " WHERE s.station_id = p.station_id AND s.operator_id = $SCOPE))"
)
SELECT_ONE: Final = Query(
    PROFILE,
    "FROM charging_profiles p",
    "WHERE profile_id = $1",
    "AND " + _IN_SCOPE.replace("$SCOPE", "$2"),
)
SEARCH: Final = Query(
    PROFILE,
    "FROM charging_profiles p",
    "WHERE ($1::text IS NULL OR station_id = $1) AND ($2::text IS NULL OR description = $2)",
    "AND " + _IN_SCOPE.replace("$SCOPE", "$3"),
    "ORDER BY created_at DESC, profile_id",
    "LIMIT 500",
)
PENDING: Final = Query(
    PROFILE,
    "FROM charging_profiles",
    "WHERE station_id = $1 AND status = 'pending'",
    "ORDER BY created_at",
)
STATION: Final = """
SELECT s.operator_id, s.ocpp_version, l.station_id AS learned, l.max_stack_level, l.units,
       l.max_periods
FROM stations s LEFT JOIN station_smart_charging l USING (station_id)
WHERE s.station_id = $1"""
SAVE_LIMITS: Final = """
INSERT INTO station_smart_charging (station_id, max_stack_level, units, max_periods)
VALUES ($1, $2, $3, $4)
ON CONFLICT (station_id) DO UPDATE SET max_stack_level = excluded.max_stack_level,
    units = excluded.units, max_periods = excluded.max_periods, learned_at = now()"""


class PostgresProfileRepository(Repository):
    __slots__ = ()

    async def station(self, station_id: str) -> StationFacts | None:
        row = await self._conn.fetchrow(STATION, station_id)
        if row is None:
            return None
        limits = None
        if row["learned"] is not None:
            units = tuple(row["units"]) if row["units"] is not None else None
            limits = StationLimits(row["max_stack_level"], units, row["max_periods"])
        return StationFacts(row["operator_id"], row["ocpp_version"], limits)

    async def save_limits(self, station_id: str, limits: StationLimits) -> None:
        units = list(limits.units) if limits.units is not None else None
        await self._conn.execute(
            SAVE_LIMITS, station_id, limits.max_stack_level, units, limits.max_periods
        )

    async def add(self, profile: StoredProfile) -> StoredProfile:
        row = await self._conn.fetchrow(
            INSERT,
            profile.profile_id,
            profile.station_id,
            profile.evse_id,
            profile.description,
            profile.source,
            profile.profile,
            profile.session_id,
            profile.status,
        )
        return PROFILE(row)

    async def get(self, profile_id: UUID, scope: str | None) -> StoredProfile | None:
        return await SELECT_ONE.one(self._conn, profile_id, scope)

    async def search(
        self, station_id: str | None, description: str | None, scope: str | None
    ) -> list[StoredProfile]:
        return await SEARCH.many(self._conn, station_id, description, scope)

    async def pending(self, station_id: str) -> list[StoredProfile]:
        return await PENDING.many(self._conn, station_id)

    async def set_status(self, profile_id: UUID, status: str, answer: str | None) -> None:
        await self._conn.execute(
            "UPDATE charging_profiles SET status = $2, station_answer = $3, updated_at = now()"
            " WHERE profile_id = $1",
            profile_id,
            status,
            answer,
        )
