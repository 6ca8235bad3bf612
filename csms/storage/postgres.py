"""PostgreSQL repositories, unit of work and read model (style.md §7).

Repositories return core models, never ``asyncpg.Record``. ``numeric`` columns come
back as ``Decimal``; nothing here converts energy or money to float.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from csms.core.models import (
    AccountRecord,
    AccountStatus,
    ConnectorStatus,
    MeterRecord,
    MeterSample,
    Session,
    SessionState,
    SignedRecord,
    Stand,
    Statement,
    StatementLine,
    StatementStatus,
    Station,
    StationEvent,
    TokenKind,
    TokenRecord,
    TokenStatus,
    Visitor,
)
from csms.storage import sql


def _json_text(value: Any) -> str:
    """JSON for jsonb columns; Decimals (parsed station payloads) are written exactly."""
    return json.dumps(
        value, default=lambda v: str(v) if isinstance(v, Decimal) else repr(v), ensure_ascii=False
    )


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=_json_text, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release without asyncpg's default reset query (one round trip per use saved).

    Safe because we keep no session state: every unit of work is a closed transaction,
    we never LISTEN, SET or take session advisory locks (the migration lock is per
    transaction), and open cursors live only inside transactions.
    """


async def create_pool(dsn: str, size: int) -> asyncpg.Pool:
    """A connection pool with JSON codecs; the caller closes it."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=size,
        init=_init_connection,
        command_timeout=60,
        reset=_keep_session,
        statement_cache_size=512,
    )
    assert pool is not None
    return pool


def _station(row: asyncpg.Record) -> Station:
    return Station(
        station_id=row["station_id"],
        vendor=row["vendor"],
        model=row["model"],
        serial_number=row["serial_number"],
        firmware_version=row["firmware_version"],
        ocpp_version=row["ocpp_version"],
        connected=row["connected"],
        last_seen_at=row["last_seen_at"],
        last_boot_at=row["last_boot_at"],
        created_at=row["created_at"],
        has_password=row["has_password"],
        security_profile=row["security_profile"],
    )


def _token(row: asyncpg.Record) -> TokenRecord:
    return TokenRecord(
        id_token=row["id_token"],
        kind=TokenKind(row["kind"]),
        status=TokenStatus(row["status"]),
        expires_at=row["expires_at"],
        group_id=row["group_id"],
        created_at=row["created_at"],
        operator_id=row["operator_id"],
        account_id=row["account_id"],
    )


def _account(row: Any) -> AccountRecord:
    return AccountRecord(
        account_id=row["account_id"],
        operator_id=row["operator_id"],
        name=row["name"],
        email=row["email"],
        status=AccountStatus(row["status"]),
        expires_at=row["expires_at"],
        group_id=row["group_id"],
        last_used_at=row["last_used_at"],
        created_at=row["created_at"],
    )


def _session(row: asyncpg.Record) -> Session:
    return Session(
        session_id=row["session_id"],
        station_id=row["station_id"],
        evse_id=row["evse_id"],
        connector_id=row["connector_id"],
        transaction_id=row["transaction_id"],
        ocpp_version=row["ocpp_version"],
        id_token=row["id_token"],
        token_kind=TokenKind(row["token_kind"]) if row["token_kind"] else None,
        authorization_status=(
            TokenStatus(row["authorization_status"]) if row["authorization_status"] else None
        ),
        started_at=row["started_at"],
        stopped_at=row["stopped_at"],
        meter_start_wh=row["meter_start_wh"],
        meter_stop_wh=row["meter_stop_wh"],
        energy_wh=row["energy_wh"],
        stop_reason=row["stop_reason"],
        state=SessionState(row["state"]),
        offline=row["offline"],
        last_seq_no=row["last_seq_no"],
        visitor_id=row["visitor_id"],
        remote_start_id=row["remote_start_id"],
        flag=row["flag"],
    )


def _sample(row: asyncpg.Record) -> MeterSample:
    return MeterSample(
        sampled_at=row["sampled_at"],
        measurand=row["measurand"],
        value=row["value"],
        unit=row["unit"],
        multiplier=row["multiplier"],
        phase=row["phase"],
        context=row["context"],
        location=row["location"],
        signed_data=row["signed_data"],
        signing_method=row["signing_method"],
        encoding_method=row["encoding_method"],
        public_key=row["public_key"],
    )


class PostgresStationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, station_id: str) -> Station | None:
        row = await self._conn.fetchrow(sql.SELECT_STATION, station_id)
        return _station(row) if row else None

    async def add(self, station_id: str, password_hash: str | None, profile: int = 0) -> bool:
        status = await self._conn.execute(sql.INSERT_STATION, station_id, password_hash, profile)
        return bool(status.endswith(" 1"))

    async def credentials(self, station_id: str) -> tuple[int, str | None] | None:
        row = await self._conn.fetchrow(sql.SELECT_STATION_CREDENTIALS, station_id)
        return (int(row["security_profile"]), row["password_hash"]) if row else None

    async def set_credentials(
        self, station_id: str, profile: int, password_hash: str | None
    ) -> None:
        await self._conn.execute(sql.UPDATE_STATION_CREDENTIALS, station_id, profile, password_hash)

    async def record_boot(self, station: Station, booted_at: datetime) -> None:
        await self._conn.execute(
            sql.UPDATE_STATION_BOOT,
            station.station_id,
            station.vendor,
            station.model,
            station.serial_number,
            station.firmware_version,
            station.ocpp_version,
            booted_at,
        )

    async def set_connected(self, station_id: str, connected: bool, at: datetime) -> None:
        await self._conn.execute(sql.UPDATE_STATION_CONNECTED, station_id, connected, at)

    async def touch(self, station_id: str, at: datetime) -> None:
        await self._conn.execute(sql.UPDATE_STATION_SEEN, station_id, at)

    async def disconnect_all(self) -> int:
        status = await self._conn.execute(sql.UPDATE_ALL_STATIONS_DISCONNECTED)
        return int(status.split()[-1])

    async def operator_of(self, station_id: str) -> str | None:
        value: str | None = await self._conn.fetchval(sql.SELECT_STATION_OPERATOR, station_id)
        return value

    async def set_operator(self, station_id: str, operator_id: str) -> bool:
        status = await self._conn.execute(sql.UPDATE_STATION_OPERATOR, station_id, operator_id)
        return bool(status.endswith(" 1"))

    async def stations_of_operator(self, operator_id: str) -> list[tuple[str, int | None]]:
        rows = await self._conn.fetch(sql.SELECT_STATIONS_OF_OPERATOR, operator_id)
        return [(row["station_id"], row["local_list_version"]) for row in rows]

    async def set_list_version(self, station_id: str, version: int | None) -> None:
        await self._conn.execute(sql.UPDATE_STATION_LIST_VERSION, station_id, version)

    async def upsert_connector(self, status: ConnectorStatus) -> None:
        await self._conn.execute(
            sql.UPSERT_CONNECTOR,
            status.station_id,
            status.evse_id,
            status.connector_id,
            status.status,
            status.error_code,
            status.status_at,
        )

    async def add_event(self, event: StationEvent) -> None:
        await self._conn.execute(
            sql.INSERT_STATION_EVENT, event.station_id, event.kind, event.occurred_at, event.payload
        )


class PostgresTokenRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, id_token: str) -> TokenRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_TOKEN, id_token)
        return _token(row) if row else None

    async def upsert(self, record: TokenRecord) -> None:
        await self._conn.execute(
            sql.UPSERT_TOKEN,
            record.id_token,
            record.kind.value,
            record.status.value,
            record.expires_at,
            record.group_id,
            record.operator_id,
            record.account_id,
        )

    async def member_view(
        self, id_token: str, station_id: str
    ) -> tuple[TokenRecord | None, AccountRecord | None, str | None]:
        """Card, its account and the station's operator in one round trip."""
        row = await self._conn.fetchrow(sql.SELECT_MEMBER_VIEW, id_token, station_id)
        token = _token(row) if row["id_token"] is not None else None
        account = None
        if row["a_account_id"] is not None:
            names = [key for key in row.keys() if key.startswith("a_")]  # noqa: SIM118 (a Record iterates values)
            account = _account({key.removeprefix("a_"): row[key] for key in names})
        return token, account, row["station_operator"]

    async def account(self, account_id: str) -> AccountRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_ACCOUNT, account_id)
        return _account(row) if row else None

    async def upsert_account(self, account: AccountRecord) -> None:
        await self._conn.execute(
            sql.UPSERT_ACCOUNT,
            account.account_id,
            account.operator_id,
            account.name,
            account.email,
            account.status.value,
            account.expires_at,
            account.group_id,
            account.last_used_at,
            account.created_at,
        )

    async def touch_account(self, account_id: str, at: datetime) -> None:
        await self._conn.execute(sql.TOUCH_ACCOUNT, account_id, at)

    async def deactivate_account(self, account_id: str) -> None:
        await self._conn.execute(sql.DEACTIVATE_ACCOUNT, account_id)

    async def add_operator(self, operator_id: str, name: str) -> None:
        await self._conn.execute(sql.INSERT_OPERATOR, operator_id, name)

    async def bump_list_version(self, operator_id: str, id_tokens: Sequence[str]) -> int:
        version: int = await self._conn.fetchval(sql.BUMP_LIST_VERSION, operator_id)
        await self._conn.executemany(
            sql.INSERT_LIST_CHANGE, [(operator_id, version, token) for token in id_tokens]
        )
        return version

    async def list_version(self, operator_id: str) -> int | None:
        value: int | None = await self._conn.fetchval(sql.SELECT_LIST_VERSION, operator_id)
        return value

    async def valid_tokens(self, operator_id: str, now: datetime) -> list[TokenRecord]:
        rows = await self._conn.fetch(sql.SELECT_VALID_TOKENS_OF_OPERATOR, operator_id, now)
        return [_token(row) for row in rows]

    async def changed_since(
        self, operator_id: str, version: int
    ) -> list[tuple[str, TokenRecord | None]]:
        rows = await self._conn.fetch(sql.SELECT_TOKENS_CHANGED_SINCE, operator_id, version)
        return [(row["id_token"], _token(row) if row["known"] else None) for row in rows]


class PostgresSessionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def next_transaction_id(self) -> int:
        value: int = await self._conn.fetchval(sql.NEXT_TRANSACTION_ID)
        return value

    async def by_start_key(self, station_id: str, start_key: str) -> Session | None:
        row = await self._conn.fetchrow(sql.SELECT_SESSION_BY_START_KEY, station_id, start_key)
        return _session(row) if row else None

    async def latest_of_station(self, station_id: str) -> Session | None:
        row = await self._conn.fetchrow(sql.SELECT_LATEST_SESSION_OF_STATION, station_id)
        return _session(row) if row else None

    async def by_id(self, session_id: UUID) -> Session | None:
        row = await self._conn.fetchrow(sql.SELECT_SESSION_BY_ID, session_id)
        return _session(row) if row else None

    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> Session | None:
        query = (
            sql.SELECT_SESSION_BY_TRANSACTION_FOR_UPDATE
            if for_update
            else sql.SELECT_SESSION_BY_TRANSACTION
        )
        row = await self._conn.fetchrow(query, station_id, transaction_id)
        return _session(row) if row else None

    async def insert(self, session: Session, start_key: str | None) -> None:
        await self._conn.execute(
            sql.INSERT_SESSION,
            session.session_id,
            session.station_id,
            session.evse_id,
            session.connector_id,
            session.transaction_id,
            session.ocpp_version,
            session.id_token,
            session.token_kind.value if session.token_kind else None,
            session.authorization_status.value if session.authorization_status else None,
            session.started_at,
            session.meter_start_wh,
            session.state.value,
            start_key,
            session.offline,
            session.last_seq_no,
            session.visitor_id,
            session.remote_start_id,
            session.flag,
        )

    async def complete(
        self,
        session_id: UUID,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        energy_wh: Decimal | None,
        stop_reason: str | None,
    ) -> None:
        await self._conn.execute(
            sql.UPDATE_SESSION_COMPLETED,
            session_id,
            stopped_at,
            meter_stop_wh,
            energy_wh,
            stop_reason,
        )

    async def update_progress(
        self,
        session_id: UUID,
        *,
        meter_start_wh: Decimal | None,
        last_seq_no: int | None,
        offline: bool,
        id_token: str | None,
        token_kind: TokenKind | None,
        authorization_status: TokenStatus | None,
    ) -> None:
        await self._conn.execute(
            sql.UPDATE_SESSION_PROGRESS,
            session_id,
            meter_start_wh,
            last_seq_no,
            offline,
            id_token,
            token_kind.value if token_kind else None,
            authorization_status.value if authorization_status else None,
        )

    async def add_samples(
        self,
        station_id: str,
        evse_id: int | None,
        transaction_id: str | None,
        session_id: UUID | None,
        samples: Sequence[MeterSample],
    ) -> int:
        if not samples:
            return 0
        await self._conn.executemany(
            sql.INSERT_SAMPLE,
            [
                (
                    session_id,
                    station_id,
                    evse_id,
                    transaction_id,
                    s.sampled_at,
                    s.measurand,
                    s.value,
                    s.unit,
                    s.multiplier,
                    s.phase,
                    s.context,
                    s.location,
                    s.signed_data,
                    s.signing_method,
                    s.encoding_method,
                    s.public_key,
                )
                for s in samples
            ],
        )
        return len(samples)

    async def samples_of(self, session_id: UUID) -> list[MeterSample]:
        rows = await self._conn.fetch(sql.SELECT_SAMPLES_OF_SESSION, session_id)
        return [_sample(row) for row in rows]

    async def record_event_seq(
        self,
        station_id: str,
        transaction_id: str,
        seq_no: int,
        kind: str,
        trigger_reason: str,
        occurred_at: datetime,
        offline: bool,
    ) -> bool:
        inserted = await self._conn.fetchval(
            sql.RECORD_TRANSACTION_EVENT,
            station_id,
            transaction_id,
            seq_no,
            kind,
            trigger_reason,
            occurred_at,
            offline,
        )
        return bool(inserted)

    async def claim_remote_start(
        self,
        station_id: str,
        id_token: str,
        remote_start_id: int | None,
        since: datetime,
        session_id: UUID,
    ) -> int | None:
        value: int | None = await self._conn.fetchval(
            sql.CLAIM_REMOTE_START, station_id, id_token, remote_start_id, since, session_id
        )
        return value

    async def add_remote_start(
        self,
        station_id: str,
        evse_id: int,
        id_token: str,
        account_id: str | None,
        requested_at: datetime,
    ) -> int:
        value: int = await self._conn.fetchval(
            sql.INSERT_REMOTE_START, station_id, evse_id, id_token, account_id, requested_at
        )
        return value

    async def record_unmatched_stop(
        self,
        station_id: str,
        transaction_id: str,
        stopped_at: datetime,
        meter_stop_wh: Decimal | None,
        reason: str | None,
        payload: dict[str, object],
    ) -> bool:
        inserted = await self._conn.fetchval(
            sql.INSERT_UNMATCHED_STOP,
            station_id,
            transaction_id,
            stopped_at,
            meter_stop_wh,
            reason,
            payload,
        )
        return inserted is not None


def _line_json(line: StatementLine) -> dict[str, str]:
    return {
        "kind": line.kind,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "amount": str(line.amount),
    }


def _statement(row: asyncpg.Record) -> Statement:
    return Statement(
        statement_id=row["statement_id"],
        session_id=row["session_id"],
        status=StatementStatus(row["status"]),
        tariff_id=row["tariff_id"],
        tariff_version=row["tariff_version"],
        currency=row["currency"],
        lines=tuple(
            StatementLine(
                item["kind"],
                Decimal(item["quantity"]),
                item["unit"],
                Decimal(item["unit_price"]),
                Decimal(item["amount"]),
            )
            for item in row["lines"]
        ),
        total=row["total"],
        tax_included=row["tax_included"],
        tax_rate_percent=row["tax_rate_percent"],
        waiver=row["waiver"],
        unpriced_reason=row["unpriced_reason"],
        inputs=row["inputs"],
        corrects=row["corrects"],
        correction_reason=row["correction_reason"],
        issued_at=row["issued_at"],
    )


class PostgresStatementRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, statement: Statement) -> bool:
        """Insert; False when the session already has its original (a replayed stop)."""
        inserted = await self._conn.fetchval(
            sql.INSERT_STATEMENT,
            statement.statement_id,
            statement.session_id,
            statement.status.value,
            statement.corrects,
            statement.correction_reason,
            statement.tariff_id,
            statement.tariff_version,
            statement.currency,
            [_line_json(line) for line in statement.lines],
            statement.total,
            statement.tax_included,
            statement.tax_rate_percent,
            statement.waiver,
            statement.unpriced_reason,
            statement.inputs,
        )
        return inserted is not None

    async def of_session(self, session_id: UUID) -> list[Statement]:
        rows = await self._conn.fetch(sql.SELECT_STATEMENTS_OF_SESSION, session_id)
        return [_statement(row) for row in rows]


def _visitor(row: asyncpg.Record) -> Visitor:
    return Visitor(
        visitor_id=row["visitor_id"],
        stand_id=row["stand_id"],
        name=row["name"],
        email=row["email"],
        payment_reference=row["payment_reference"],
        notify=row["notify"],
        registered_at=row["registered_at"],
    )


class PostgresVisitorRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def stand(self, stand_id: str) -> Stand | None:
        row = await self._conn.fetchrow(sql.SELECT_STAND, stand_id)
        if row is None:
            return None
        return Stand(
            row["stand_id"], row["station_id"], row["evse_id"], row["label"], row["uses_passwords"]
        )

    async def add_stand(self, stand: Stand) -> None:
        await self._conn.execute(
            sql.UPSERT_STAND,
            stand.stand_id,
            stand.station_id,
            stand.evse_id,
            stand.label,
            stand.uses_passwords,
        )

    async def add_visitor(self, visitor: Visitor) -> None:
        await self._conn.execute(
            sql.INSERT_VISITOR,
            visitor.visitor_id,
            visitor.stand_id,
            visitor.name,
            visitor.email,
            visitor.payment_reference,
            visitor.notify,
            visitor.registered_at,
        )

    async def open_window_at(self, stand_id: str, now: datetime) -> datetime | None:
        await self._conn.execute(sql.LOCK_STAND, stand_id)  # registrations at a stand queue
        value: datetime | None = await self._conn.fetchval(
            sql.SELECT_OPEN_WINDOW_AT_STAND, stand_id, now
        )
        return value

    async def open_window(
        self, visitor_id: UUID, stand: Stand, opened_at: datetime, closes_at: datetime
    ) -> None:
        await self._conn.execute(
            sql.INSERT_WINDOW,
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
            sql.TOUCH_OPEN_WINDOW, station_id, evse_id, id_token, now
        )
        return value

    async def visits_possible(self, station_id: str, now: datetime, since: datetime) -> bool:
        return bool(await self._conn.fetchval(sql.SELECT_VISITS_POSSIBLE, station_id, now, since))

    async def bound_window(self, station_id: str, id_token: str, since: datetime) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            sql.SELECT_BOUND_WINDOW, station_id, id_token, since
        )
        return value

    async def password_in_use(self, station_id: str, code_hash: str, now: datetime) -> bool:
        return bool(
            await self._conn.fetchval(sql.SELECT_PASSWORD_IN_USE, station_id, code_hash, now)
        )

    async def add_password(
        self,
        visitor_id: UUID,
        station_id: str,
        code_hash: str,
        issued_at: datetime,
        expires_at: datetime,
    ) -> None:
        await self._conn.execute(
            sql.INSERT_PASSWORD, visitor_id, station_id, code_hash, issued_at, expires_at
        )

    async def use_password(
        self, station_id: str, code_hash: str, now: datetime, *, consume: bool
    ) -> UUID | None:
        value: UUID | None = await self._conn.fetchval(
            sql.USE_PASSWORD, station_id, code_hash, now, consume
        )
        return value

    async def visitor(self, visitor_id: UUID) -> Visitor | None:
        row = await self._conn.fetchrow(sql.SELECT_VISITOR, visitor_id)
        return _visitor(row) if row else None

    async def add_mail(self, kind: str, recipient: str, subject: str, body: str) -> None:
        await self._conn.execute(sql.INSERT_MAIL, kind, recipient, subject, body)


def _meter(row: asyncpg.Record) -> MeterRecord:
    return MeterRecord(
        serial=row["serial"],
        maker=row["maker"],
        model=row["model"],
        year=row["year"],
        accuracy_class=row["accuracy_class"],
        public_key=row["public_key"],
        station_id=row["station_id"],
        evse_id=row["evse_id"],
        site=row["site"],
        location_note=row["location_note"],
        signs_ocmf=row["signs_ocmf"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def _signed(row: asyncpg.Record) -> SignedRecord:
    return SignedRecord(
        record_id=row["record_id"],
        session_id=row["session_id"],
        station_id=row["station_id"],
        transaction_id=row["transaction_id"],
        carrier=row["carrier"],
        raw=row["raw"],
        ocmf=row["ocmf"],
        public_key=row["public_key"],
        parse_error=row["parse_error"],
        received_at=row["received_at"],
    )


class PostgresMeterRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def upsert(self, meter: MeterRecord) -> None:
        await self._conn.execute(
            sql.UPSERT_METER,
            meter.serial,
            meter.maker,
            meter.model,
            meter.year,
            meter.accuracy_class,
            meter.public_key,
            meter.station_id,
            meter.evse_id,
            meter.site,
            meter.location_note,
            meter.signs_ocmf,
            meter.valid_from,
            meter.valid_to,
        )

    async def get(self, serial: str) -> MeterRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_METER, serial)
        return _meter(row) if row else None

    async def meter_for(self, station_id: str, evse_id: int, at: datetime) -> MeterRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_METER_FOR_CONNECTOR, station_id, evse_id, at)
        return _meter(row) if row else None

    async def add_signed_record(self, record: SignedRecord) -> bool:
        inserted = await self._conn.fetchval(
            sql.INSERT_SIGNED_RECORD,
            record.session_id,
            record.station_id,
            record.transaction_id,
            record.carrier,
            record.raw,
            record.ocmf,
            record.public_key,
            record.parse_error,
        )
        return inserted is not None

    async def signed_records_of(self, session_id: UUID) -> list[SignedRecord]:
        rows = await self._conn.fetch(sql.SELECT_SIGNED_RECORDS_OF_SESSION, session_id)
        return [_signed(row) for row in rows]

    async def link_signed_records(
        self, station_id: str, transaction_id: str, session_id: UUID
    ) -> None:
        await self._conn.execute(sql.LINK_SIGNED_RECORDS, station_id, transaction_id, session_id)


class PostgresUnitOfWork:
    """One transaction on one pooled connection; every repository shares it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.stations = PostgresStationRepository(conn)
        self.tokens = PostgresTokenRepository(conn)
        self.sessions = PostgresSessionRepository(conn)
        self.statements = PostgresStatementRepository(conn)
        self.visitors = PostgresVisitorRepository(conn)
        self.meters = PostgresMeterRepository(conn)


class PostgresUnitOfWorkProvider:
    """``async with provider() as uow:`` commits on a clean exit, rolls back on an error."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[PostgresUnitOfWork]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresUnitOfWork(conn)


def _jsonable_session(session: Session) -> dict[str, Any]:
    return {
        "session_id": str(session.session_id),
        "station_id": session.station_id,
        "evse_id": session.evse_id,
        "connector_id": session.connector_id,
        "transaction_id": session.transaction_id,
        "ocpp_version": session.ocpp_version,
        "id_token": session.id_token,
        "token_kind": session.token_kind,
        "authorization_status": session.authorization_status,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "meter_start_wh": session.meter_start_wh,
        "meter_stop_wh": session.meter_stop_wh,
        "energy_wh": session.energy_wh,
        "stop_reason": session.stop_reason,
        "state": session.state,
        "offline": session.offline,
        "last_seq_no": session.last_seq_no,
    }


class PostgresReadModel:
    """Queries for the operator API; returns plain dicts of core values."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def ping(self) -> bool:
        async with self._pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT true"))

    async def list_stations(self) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            return [dict(row) for row in await conn.fetch(sql.SELECT_STATIONS)]

    async def station(self, station_id: str) -> dict[str, object] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(sql.SELECT_STATION, station_id)
            if row is None:
                return None
            result = dict(row)
            result["connectors"] = [
                dict(r) for r in await conn.fetch(sql.SELECT_CONNECTORS_OF_STATION, station_id)
            ]
            return result

    async def list_sessions(
        self, station_id: str | None, state: SessionState | None, limit: int
    ) -> list[dict[str, object]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                sql.SELECT_SESSIONS, station_id, state.value if state else None, limit
            )
        return [
            {
                **_jsonable_session(_session(row)),
                "statement_status": row["statement_status"],
                "total": row["statement_total"],
            }
            for row in rows
        ]

    async def session(self, session_id: UUID) -> dict[str, object] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(sql.SELECT_SESSION_BY_ID, session_id)
            if row is None:
                return None
            samples = await conn.fetch(sql.SELECT_SAMPLES_OF_SESSION, session_id)
        result = _jsonable_session(_session(row))
        result["samples"] = [dict(r) for r in samples]
        return result

    async def statements(self, session_id: UUID) -> list[Statement]:
        async with self._pool.acquire() as conn:
            return await PostgresStatementRepository(conn).of_session(session_id)

    async def signed_data(self, session_id: UUID) -> dict[str, object] | None:
        """The raw signed records of a session and its meter's key, for independent checks."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(sql.SELECT_SESSION_BY_ID, session_id)
            if row is None:
                return None
            session = _session(row)
            meters = PostgresMeterRepository(conn)
            records = await meters.signed_records_of(session_id)
            meter = await meters.meter_for(session.station_id, session.evse_id, session.started_at)
        return {
            "session_id": session_id,
            "meter": {**meter.identity(), "public_key": meter.public_key} if meter else None,
            "records": [
                {
                    "carrier": r.carrier,
                    "raw": r.raw,
                    "ocmf": r.ocmf,
                    "public_key_sent_by_station": r.public_key,
                    "parse_error": r.parse_error,
                    "received_at": r.received_at,
                }
                for r in records
            ],
        }

    async def list_meters(self) -> list[MeterRecord]:
        async with self._pool.acquire() as conn:
            return [_meter(row) for row in await conn.fetch(sql.SELECT_METERS)]

    async def list_tokens(self) -> list[TokenRecord]:
        async with self._pool.acquire() as conn:
            return [_token(row) for row in await conn.fetch(sql.SELECT_TOKENS)]


async def drain_outbox(
    pool: asyncpg.Pool, deliver: Callable[[str, str, str, str], None], batch: int = 100
) -> int:
    """Hand unsent mail to ``deliver(kind, recipient, subject, body)`` and mark it sent."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(sql.SELECT_UNSENT_MAIL, batch)
        for row in rows:
            deliver(row["kind"], row["recipient"], row["subject"], row["body"])
            await conn.execute(sql.MARK_MAIL_SENT, row["message_id"])
    return len(rows)
