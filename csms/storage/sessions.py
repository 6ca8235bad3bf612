"""Charging sessions: found by start key, transaction or id; inserted, advanced, completed."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from csms.authorization.models import TokenKind, TokenStatus
from csms.charging.models import Session, SessionState
from csms.charging.ports import RemoteStartClaim, SessionCompletion, SessionProgress
from csms.storage.base import Columns, Fields, Query, Repository, optional
from csms.storage.metering import metering_json
from csms.storage.remote_starts import CLAIM, claim_remote_start

SESSION: Final = Columns(
    Session,
    "session_id, station_id, evse_id, connector_id, transaction_id, ocpp_version, id_token,"
    " token_kind, authorization_status, started_at, stopped_at, meter_start_wh, meter_stop_wh,"
    " energy_wh, stop_reason, state, offline, last_seq_no, visitor_id, remote_start_id, flag,"
    " ending",
    token_kind=optional(TokenKind),
    authorization_status=optional(TokenStatus),
    state=SessionState,
)

NEXT_TRANSACTION_ID: Final = "SELECT nextval('transaction_id_seq')::integer"
SELECT_SESSION_BY_START_KEY: Final = Query(
    SESSION, "FROM sessions", "WHERE station_id = $1 AND start_key = $2"
)
SELECT_SESSION_BY_TRANSACTION: Final = Query(
    SESSION, "FROM sessions", "WHERE station_id = $1 AND transaction_id = $2"
)
SELECT_SESSION_BY_TRANSACTION_FOR_UPDATE: Final = SELECT_SESSION_BY_TRANSACTION.then("FOR UPDATE")
SELECT_LATEST_SESSION_OF_STATION: Final = Query(
    SESSION, "FROM sessions", "WHERE station_id = $1", "ORDER BY started_at DESC", "LIMIT 1"
)
SELECT_SESSION_BY_ID: Final = Query(SESSION, "FROM sessions", "WHERE session_id = $1")
SELECT_SESSION_BY_ID_FOR_UPDATE: Final = SELECT_SESSION_BY_ID.then("FOR UPDATE")
SELECT_OPEN_ON_EVSE: Final = Query(
    SESSION,
    "FROM sessions",
    "WHERE station_id = $1 AND evse_id = $2 AND state = 'active'",
    "ORDER BY started_at",
    "FOR UPDATE",
)
# A boot with sessions open: each is marked; the mark of an earlier boot is replaced.
MARK_INTERRUPT_PENDING: Final = """
UPDATE sessions SET interrupt_pending_at = now()
WHERE station_id = $1 AND state = 'active'"""
# Marked sessions past the grace period that nothing was heard of since the mark.
SELECT_INTERRUPT_DUE: Final = Query(
    SESSION,
    "FROM sessions AS s",
    "WHERE station_id = $1 AND state = 'active' AND interrupt_pending_at IS NOT NULL",
    "  AND interrupt_pending_at <= now() - make_interval(secs => $2)",
    "  AND NOT EXISTS (SELECT 1 FROM meter_samples AS m WHERE m.session_id = s.session_id",
    "                  AND m.received_at >= s.interrupt_pending_at)",
    "  AND NOT EXISTS (SELECT 1 FROM transaction_events AS e WHERE e.station_id = s.station_id",
    "                  AND e.transaction_id = s.transaction_id",
    "                  AND e.received_at >= s.interrupt_pending_at)",
    "ORDER BY started_at",
    "FOR UPDATE",
)
# An insert writes the start only; complete sets what a stop sets.
STARTED_SESSION: Final = Fields(
    Session,
    "session_id, station_id, evse_id, connector_id, transaction_id, ocpp_version, id_token,"
    " token_kind, authorization_status, started_at, meter_start_wh, state, offline,"
    " last_seq_no, visitor_id, remote_start_id, flag",
)
INSERT_SESSION: Final = f"""
INSERT INTO sessions ({STARTED_SESSION.sql}, start_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"""  # noqa: S608 (a constant column list)
# The same insert claiming the session's app start in the same statement: its id is the
# claimed one (else the given $16); the claim's parameters are $19 to $23.
INSERT_SESSION_CLAIMING: Final = f"""
WITH claimed AS ({claim_remote_start(19)})
INSERT INTO sessions ({STARTED_SESSION.sql}, start_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
        coalesce((SELECT remote_start_id FROM claimed), $16::integer), $17, $18)
RETURNING remote_start_id"""  # noqa: S608 (a constant column list)
# The parameters $2, $3, ... of the two updates, in order.
COMPLETION: Final = Fields(
    SessionCompletion,
    "stopped_at, meter_stop_wh, energy_wh, stop_reason, metering, ending",
    metering=lambda metering: metering_json(metering) if metering is not None else None,
)
PROGRESS: Final = Fields(
    SessionProgress,
    "meter_start_wh, last_seq_no, offline, id_token, token_kind, authorization_status,"
    " started_at, evse_id, connector_id",
)


def completing(values: tuple[str, str, str, str, str, str], table: str = "") -> str:
    """The SET list that completes a session, from the values of its ``COMPLETION`` fields
    in order (stop time, end register, energy, stop reason, metering, ending); ``table``
    names the updated table where the values come from another (storage/end_batcher.py)."""
    stopped_at, meter_stop, energy, reason, metering, ending = values
    kept = f"{table}.metering" if table else "metering"
    return (
        f"state = 'completed', stopped_at = {stopped_at}, meter_stop_wh = {meter_stop},"
        f" energy_wh = {energy}, stop_reason = {reason}, metering = coalesce({metering}, {kept}),"
        f" ending = {ending}, interrupt_pending_at = NULL, updated_at = now()"
    )


UPDATE_SESSION_COMPLETED: Final = f"""
UPDATE sessions
SET {completing(("$2", "$3", "$4", "$5", "$6", "$7"))}
WHERE session_id = $1 AND state = 'active'"""  # noqa: S608 (parameter numbers only)
# The station's own end of a session that was ended without it (charging.endings).
UPDATE_SESSION_END_REPLACED: Final = """
UPDATE sessions
SET stopped_at = $2, meter_stop_wh = $3, energy_wh = $4, stop_reason = $5,
    metering = coalesce($6, metering), ending = $7, updated_at = now()
WHERE session_id = $1 AND state = 'completed' AND ending IS NOT NULL"""
UPDATE_SESSION_PROGRESS: Final = """
UPDATE sessions
SET meter_start_wh = coalesce(meter_start_wh, $2),
    energy_wh = coalesce(energy_wh, meter_stop_wh - coalesce(meter_start_wh, $2)),
    last_seq_no = coalesce($3, last_seq_no),
    offline = $4,
    id_token = coalesce($5, id_token),
    token_kind = coalesce($6, token_kind),
    authorization_status = coalesce($7, authorization_status),
    started_at = least(started_at, coalesce($8, started_at)),
    evse_id = coalesce(evse_id, $9),
    connector_id = coalesce(connector_id, $10),
    updated_at = now()
WHERE session_id = $1"""


class PostgresSessionRepository(Repository):
    __slots__ = ()

    async def next_transaction_id(self) -> int:
        value: int = await self._conn.fetchval(NEXT_TRANSACTION_ID)
        return value

    async def by_start_key(self, station_id: str, start_key: str) -> Session | None:
        return await SELECT_SESSION_BY_START_KEY.one(self._conn, station_id, start_key)

    async def by_id(self, session_id: UUID, *, for_update: bool = False) -> Session | None:
        query = SELECT_SESSION_BY_ID_FOR_UPDATE if for_update else SELECT_SESSION_BY_ID
        return await query.one(self._conn, session_id)

    async def latest_of_station(self, station_id: str) -> Session | None:
        return await SELECT_LATEST_SESSION_OF_STATION.one(self._conn, station_id)

    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None:
        query = (
            SELECT_SESSION_BY_TRANSACTION_FOR_UPDATE
            if for_update
            else SELECT_SESSION_BY_TRANSACTION
        )
        return await query.one(self._conn, station_id, transaction_id)

    async def insert(
        self, session: Session, start_key: str | None, claim: RemoteStartClaim | None = None
    ) -> int | None:
        """Insert as started; with ``claim``, its app start is claimed in the same statement
        (the session's remote start id is the claimed one, else the given one). Returns it."""
        values = STARTED_SESSION.values(session)
        if claim is None:
            await self._conn.execute(INSERT_SESSION, *values, start_key)
            return session.remote_start_id
        claimed: int | None = await self._conn.fetchval(
            INSERT_SESSION_CLAIMING, *values, start_key, *CLAIM.values(claim)
        )
        return claimed

    async def complete(self, session_id: UUID, completion: SessionCompletion) -> None:
        await self._conn.execute(
            UPDATE_SESSION_COMPLETED, session_id, *COMPLETION.values(completion)
        )

    async def replace_end(self, session_id: UUID, completion: SessionCompletion) -> None:
        await self._conn.execute(
            UPDATE_SESSION_END_REPLACED, session_id, *COMPLETION.values(completion)
        )

    async def update_progress(self, session_id: UUID, progress: SessionProgress) -> None:
        await self._conn.execute(UPDATE_SESSION_PROGRESS, session_id, *PROGRESS.values(progress))

    async def open_on_evse(self, station_id: str, evse_id: int) -> list[Session]:
        """The station's active sessions on ``evse_id``, locked (a new start supersedes)."""
        return await SELECT_OPEN_ON_EVSE.many(self._conn, station_id, evse_id)

    async def mark_interrupt_pending(self, station_id: str) -> int:
        """Mark the station's active sessions at its boot; how many were marked."""
        status: str = await self._conn.execute(MARK_INTERRUPT_PENDING, station_id)
        return int(status.rsplit(" ", 1)[-1])

    async def interrupt_due(self, station_id: str, grace_s: float) -> list[Session]:
        """Marked sessions past ``grace_s`` with no sample or event since the mark, locked."""
        return await SELECT_INTERRUPT_DUE.many(self._conn, station_id, grace_s)
