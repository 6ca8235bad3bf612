"""Visitors: registrations, their card-touch windows and their one-time passwords."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from csms.authorization.models import Stand, Visitor
from csms.authorization.ports import IssuedPassword, VisitProgress
from csms.storage.base import Columns, Fields, KeyedRepository, Query, Repository

VISITOR: Final = Columns(
    Visitor, "visitor_id, stand_id, name, email, payment_reference, notify, registered_at"
)
PASSWORD: Final = Fields(IssuedPassword, "visitor_id, station_id, code_hash, issued_at, expires_at")

INSERT_VISITOR: Final = f"""
INSERT INTO visitors ({VISITOR.sql})
VALUES ($1, $2, $3, $4, $5, $6, $7)"""  # noqa: S608 (a constant column list)
SELECT_VISITOR: Final = Query(VISITOR, "FROM visitors", "WHERE visitor_id = $1")
LOCK_STAND: Final = """
SELECT 1
FROM stands
WHERE stand_id = $1
FOR UPDATE"""
# Any untouched window that has not closed by the caller's clock, also one opened "after" it:
# a registration reads its clock before it waits for the stand's lock, so the window another
# registration opened meanwhile may carry a later opened_at (seed 000: one window a stand).
SELECT_OPEN_WINDOW_AT_STAND: Final = """
SELECT max(closes_at)
FROM touch_windows
WHERE stand_id = $1 AND touched_at IS NULL AND $2 < closes_at"""
INSERT_WINDOW: Final = """
INSERT INTO touch_windows (visitor_id, stand_id, station_id, evse_id, opened_at, closes_at)
VALUES ($1, $2, $3, $4, $5, $6)"""
TOUCH_OPEN_WINDOW: Final = """
UPDATE touch_windows
SET id_token = $3, touched_at = $4
WHERE visitor_id = (SELECT visitor_id
                    FROM touch_windows
                    WHERE station_id = $1 AND ($2::integer IS NULL OR evse_id = $2)
                      AND touched_at IS NULL AND opened_at <= $4 AND $4 < closes_at
                    ORDER BY opened_at
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
RETURNING visitor_id"""
# Whether any visit could apply at station $2 at $3 (a window open, or touched since $4, or a
# live password); part of the member view (tokens.py), so an authorization reads once.
VISITS_POSSIBLE: Final = """
(EXISTS (SELECT 1
         FROM touch_windows
         WHERE station_id = $2 AND (closes_at > $3 OR touched_at >= $4))
 OR EXISTS (SELECT 1
            FROM visitor_passwords
            WHERE station_id = $2 AND consumed_at IS NULL AND expires_at > $3))"""
SELECT_BOUND_WINDOW: Final = """
SELECT visitor_id
FROM touch_windows
WHERE station_id = $1 AND id_token = $2 AND touched_at >= $3
ORDER BY touched_at DESC
LIMIT 1"""
SELECT_PROGRESS: Final = """
SELECT v.stand_id, w.closes_at, w.touched_at, s.state AS session_state,
       p.expires_at AS password_expires_at, p.authorized_at AS password_used_at,
       (SELECT st.total FROM statements st WHERE st.session_id = s.session_id
        ORDER BY st.issued_at DESC LIMIT 1) AS total
FROM visitors v
LEFT JOIN touch_windows w USING (visitor_id)
LEFT JOIN visitor_passwords p USING (visitor_id)
LEFT JOIN LATERAL (SELECT session_id, state FROM sessions
                   WHERE visitor_id = v.visitor_id ORDER BY started_at DESC LIMIT 1) s ON true
WHERE v.visitor_id = $1"""
SELECT_PASSWORD_IN_USE: Final = """
SELECT 1
FROM visitor_passwords
WHERE station_id = $1 AND code_hash = $2 AND consumed_at IS NULL AND expires_at > $3"""  # noqa: S105
INSERT_PASSWORD: Final = f"""
INSERT INTO visitor_passwords ({PASSWORD.sql})
VALUES ($1, $2, $3, $4, $5)"""  # noqa: S608 (a constant column list)
USE_PASSWORD: Final = """
UPDATE visitor_passwords
SET authorized_at = coalesce(authorized_at, $3),
    consumed_at = CASE WHEN $4 THEN $3 ELSE consumed_at END
WHERE visitor_id = (SELECT visitor_id
                    FROM visitor_passwords
                    WHERE station_id = $1 AND code_hash = $2 AND consumed_at IS NULL
                      AND issued_at <= $3 AND $3 < expires_at
                    ORDER BY issued_at
                    LIMIT 1
                    FOR UPDATE)
RETURNING visitor_id"""  # noqa: S105


class PostgresVisitorRepository(KeyedRepository[Visitor]):
    __slots__ = ()
    by_key = SELECT_VISITOR

    async def add(self, visitor: Visitor) -> None:
        await self._conn.execute(INSERT_VISITOR, *VISITOR.values(visitor))

    async def open_window_at(self, stand_id: str, now: datetime) -> datetime | None:
        """When the stand's open window closes (None: no window is open).

        Locks the stand's row until the transaction ends: registrations at a stand queue, and
        each sees the window the one before it opened (READ COMMITTED: a fresh snapshot per
        statement), so two at once never open two windows.
        """
        await self._conn.execute(LOCK_STAND, stand_id)  # registrations at a stand queue
        value: datetime | None = await self._conn.fetchval(
            SELECT_OPEN_WINDOW_AT_STAND, stand_id, now
        )
        return value

    async def open_window(
        self, visitor_id: UUID, stand: Stand, opened_at: datetime, closes_at: datetime
    ) -> None:
        await self._conn.execute(
            INSERT_WINDOW,
            visitor_id,
            stand.stand_id,
            stand.station_id,
            stand.evse_id,
            opened_at,
            closes_at,
        )

    async def touch_open_window(
        self, station_id: str, evse_id: int | None, id_token: str, now: datetime
    ) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            TOUCH_OPEN_WINDOW, station_id, evse_id, id_token, now
        )
        return value

    async def bound_window(self, station_id: str, id_token: str, since: datetime) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            SELECT_BOUND_WINDOW, station_id, id_token, since
        )
        return value

    async def progress(self, visitor_id: UUID) -> VisitProgress | None:
        row = await self._conn.fetchrow(SELECT_PROGRESS, visitor_id)
        return VisitProgress(**dict(row)) if row is not None else None


class PostgresVisitorPasswordRepository(Repository):
    __slots__ = ()

    async def in_use(self, station_id: str, code_hash: str, now: datetime) -> bool:
        return bool(await self._conn.fetchval(SELECT_PASSWORD_IN_USE, station_id, code_hash, now))

    async def add(self, password: IssuedPassword) -> None:
        await self._conn.execute(INSERT_PASSWORD, *PASSWORD.values(password))

    async def use(
        self, station_id: str, code_hash: str, now: datetime, *, consume: bool
    ) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            USE_PASSWORD, station_id, code_hash, now, consume
        )
        return value
