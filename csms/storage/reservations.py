"""Reservations and their stations' policies (seed 002 第10-12条; migration 013).

Overlapping live reservations on one EVSE are refused by the table's exclusion constraint,
so two requests racing for one window cannot both win; a whole-station reservation and an
EVSE's are checked against each other by the insert itself (``NOT EXISTS``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import asyncpg

from csms.errors import Conflict
from csms.reservations.models import Reservation, ReservationPolicy, ReservationStatus
from csms.reservations.ports import ChargedSession, ReservationChange, ReservationQuery
from csms.storage.base import Columns, Query, Repository, optional

RESERVATION: Final = Columns(
    Reservation,
    "reservation_id, ocpp_reservation_id, station_id, evse_id, connector_type, account_id,"
    " id_token, id_token_kind, starts_at, ends_at, status, no_show_fee,"
    " extension_fee_per_minute, session_id, station_answer, cancelled_by, held_by_station,"
    " cancel_sent, power_cut, ended_at, created_at",
    status=ReservationStatus,
)
POLICY: Final = Columns(
    ReservationPolicy,
    "station_id, reservable, evse_ids, slot_minutes, max_slots, max_days_ahead, opens_at,"
    " closes_at, no_show_fee, extension_fee_per_minute",
    evse_ids=optional(tuple),
)
_WRITTEN: Final = RESERVATION.names[:13]  # up to the fees: what a new reservation sets
_LIVE: Final = "('scheduled', 'active', 'used')"

INSERT_RESERVATION: Final = f"""
INSERT INTO reservations ({", ".join(n for n in _WRITTEN if n != "ocpp_reservation_id")})
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
WHERE NOT EXISTS (
    SELECT 1 FROM reservations
    WHERE station_id = $2 AND status IN {_LIVE}
      AND (evse_id IS NULL OR $3::integer IS NULL) AND coalesce(evse_id, 0) <> coalesce($3, 0)
      AND tstzrange(starts_at, ends_at) && tstzrange($8, $9))
RETURNING {RESERVATION.sql}"""  # noqa: S608 (constant column lists)
SELECT_RESERVATION: Final = Query(
    RESERVATION,
    "FROM reservations r",
    "WHERE reservation_id = $1",
    "  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM stations s",
    "       WHERE s.station_id = r.station_id AND s.operator_id = $2))",
)
SEARCH: Final = Query(
    RESERVATION,
    "FROM reservations r",
    "WHERE ($1::text IS NULL OR station_id = $1) AND ($2::text IS NULL OR account_id = $2)",
    "  AND ($3::text IS NULL OR status = $3)",
    "  AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM stations s",
    "       WHERE s.station_id = r.station_id AND s.operator_id = $4))",
    "ORDER BY created_at DESC, reservation_id DESC",
    "LIMIT $5",
)
# Each kind of due work on its own (an index each), so one kind never starves another.
DUE_TO_END: Final = Query(
    RESERVATION,
    "FROM reservations",
    "WHERE ended_at IS NULL AND ends_at <= $1",
    "ORDER BY ends_at",
    "LIMIT $2",
)
DUE_TO_OPEN: Final = Query(
    RESERVATION,
    "FROM reservations",
    "WHERE ended_at IS NULL AND status = 'scheduled'",
    "  AND starts_at <= $1::timestamptz + $2::interval",
    "  AND ends_at > $1",
    "ORDER BY starts_at",
    "LIMIT $3",
)
DUE_TO_RELEASE: Final = Query(  # only where it can be done now: the station is connected
    RESERVATION,
    "FROM reservations r",
    "WHERE held_by_station AND NOT cancel_sent AND status IN ('cancelled', 'expired', 'no_show')",
    "  AND EXISTS (SELECT 1 FROM stations s WHERE s.station_id = r.station_id AND s.connected)",
    "ORDER BY updated_at",
    "LIMIT $1",
)
LAST_ENDED: Final = Query(
    RESERVATION,
    "FROM reservations",
    "WHERE station_id = $1 AND ($2::integer IS NULL OR coalesce(evse_id, $2) = $2)",
    f"  AND status NOT IN {_LIVE} AND held_by_station",
    "ORDER BY updated_at DESC",
    "LIMIT 1",
)
LOCK_STATION: Final = "SELECT pg_advisory_xact_lock(hashtext('reservations:' || $1))"
CROSS_OVERLAP: Final = f"""
SELECT EXISTS (
    SELECT 1 FROM reservations
    WHERE station_id = $1 AND reservation_id <> $2 AND status IN {_LIVE} AND ended_at IS NULL
      AND (evse_id IS NULL OR $3::integer IS NULL OR evse_id = $3)
      AND tstzrange(starts_at, ends_at) && tstzrange($4, $5))"""  # noqa: S608
BY_OCPP_ID: Final = Query(
    RESERVATION, "FROM reservations", "WHERE station_id = $1 AND ocpp_reservation_id = $2"
)
# With the account of the session's token (tokens are stored in their normal form).
SESSIONS_IN: Final = """
SELECT s.session_id, s.evse_id, s.transaction_id, s.id_token, s.started_at,
       s.state = 'active' AS active, t.account_id
FROM sessions s
LEFT JOIN id_tokens t ON t.id_token = normal_token(s.id_token)
WHERE s.station_id = $1 AND ($2::integer IS NULL OR s.evse_id = $2)
  AND s.started_at >= $3 AND s.started_at < $4
ORDER BY s.started_at"""
USE: Final = f"""
UPDATE reservations SET status = 'used', session_id = $3, updated_at = now()
WHERE station_id = $1 AND ocpp_reservation_id = $2 AND status IN {_LIVE}
  AND session_id IS NULL AND starts_at <= $4::timestamptz + interval '15 minutes'
  AND ends_at > $4
RETURNING reservation_id"""  # noqa: S608 (a constant list)
UPSERT_POLICY: Final = f"""
INSERT INTO reservation_policies ({POLICY.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (station_id) DO UPDATE SET
    reservable = excluded.reservable, evse_ids = excluded.evse_ids,
    slot_minutes = excluded.slot_minutes, max_slots = excluded.max_slots,
    max_days_ahead = excluded.max_days_ahead, opens_at = excluded.opens_at,
    closes_at = excluded.closes_at, no_show_fee = excluded.no_show_fee,
    extension_fee_per_minute = excluded.extension_fee_per_minute, updated_at = now()"""  # noqa: S608
SELECT_POLICY: Final = Query(POLICY, "FROM reservation_policies", "WHERE station_id = $1")
_CHANGES: Final = tuple(field.name for field in dataclasses.fields(ReservationChange))


class PostgresReservationRepository(Repository):
    __slots__ = ()

    async def policy(self, station_id: str) -> ReservationPolicy | None:
        return await SELECT_POLICY.one(self._conn, station_id)

    async def save_policy(self, policy: ReservationPolicy) -> None:
        values = list(POLICY.values(policy))
        values[2] = list(policy.evse_ids) if policy.evse_ids is not None else None
        await self._conn.execute(UPSERT_POLICY, *values)

    async def add(self, reservation: Reservation) -> Reservation:
        """The stored reservation with its OCPP id; Conflict when it overlaps a live one."""
        values = [
            v
            for n, v in zip(RESERVATION.names, RESERVATION.values(reservation), strict=False)
            if n in _WRITTEN and n != "ocpp_reservation_id"
        ]
        await self._conn.execute(LOCK_STATION, reservation.station_id)  # whole station vs EVSE
        try:
            row = await self._conn.fetchrow(INSERT_RESERVATION, *values)
        except asyncpg.ExclusionViolationError as exc:
            raise Conflict("the EVSE is already reserved in that window") from exc
        if row is None:
            raise Conflict("the station is already reserved in that window")
        return RESERVATION(row)

    async def get(
        self, reservation_id: UUID, *, for_update: bool = False, scope: str | None = None
    ) -> Reservation | None:
        query = SELECT_RESERVATION.then("FOR UPDATE") if for_update else SELECT_RESERVATION
        return await query.one(self._conn, reservation_id, scope)

    async def search(self, query: ReservationQuery, scope: str | None) -> list[Reservation]:
        status = query.status.value if query.status is not None else None
        return await SEARCH.many(
            self._conn, query.station_id, query.account_id, status, scope, query.limit
        )

    async def update(self, reservation_id: UUID, change: ReservationChange) -> None:
        """Set the change's columns (the others stay); ``ends_at`` may meet the constraint."""
        names = [n for n in _CHANGES if getattr(change, n) is not None]
        if not names:
            return
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
        statement = f"UPDATE reservations SET {sets}, updated_at = now() WHERE reservation_id = $1"  # noqa: S608
        try:
            await self._conn.execute(
                statement, reservation_id, *(getattr(change, n) for n in names)
            )
        except asyncpg.ExclusionViolationError as exc:
            raise Conflict("the EVSE is already reserved in that window") from exc

    async def due(self, now: datetime, lead: timedelta, limit: int) -> list[Reservation]:
        """Windows to close, to open (``lead`` before their start), to release at a station."""
        ending = await DUE_TO_END.many(self._conn, now, limit)
        opening = await DUE_TO_OPEN.many(self._conn, now, lead, limit)
        return ending + opening + await DUE_TO_RELEASE.many(self._conn, limit)

    async def extend(self, reservation: Reservation, end: datetime) -> None:
        """A new end, refused (Conflict) where it would overlap another live reservation."""
        await self._conn.execute(LOCK_STATION, reservation.station_id)
        overlaps = await self._conn.fetchval(
            CROSS_OVERLAP,
            reservation.station_id,
            reservation.reservation_id,
            reservation.evse_id,
            reservation.starts_at,
            end,
        )
        if overlaps:
            raise Conflict("the EVSE is already reserved in that window")
        await self.update(reservation.reservation_id, ReservationChange(ends_at=end))

    async def sessions_in(self, reservation: Reservation) -> list[ChargedSession]:
        rows = await self._conn.fetch(
            SESSIONS_IN,
            reservation.station_id,
            reservation.evse_id,
            reservation.starts_at - timedelta(minutes=15),
            reservation.ends_at,
        )
        return [ChargedSession(**dict(row)) for row in rows]

    async def last_ended(self, station_id: str, evse_id: int | None) -> Reservation | None:
        return await LAST_ENDED.one(self._conn, station_id, evse_id)

    async def by_ocpp_id(self, station_id: str, ocpp_reservation_id: int) -> Reservation | None:
        return await BY_OCPP_ID.one(self._conn, station_id, ocpp_reservation_id)

    async def use(
        self, station_id: str, ocpp_reservation_id: int, session_id: UUID, at: datetime
    ) -> bool:
        found = await self._conn.fetchval(USE, station_id, ocpp_reservation_id, session_id, at)
        return found is not None
