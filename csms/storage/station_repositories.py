"""Stations, tokens, accounts and operators in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from csms.authorization.models import AccountRecord, TokenRecord
from csms.stations.models import ConnectorStatus, Station, StationEvent
from csms.storage import sql
from csms.storage.rows import account_from_row, station_from_row, token_from_row


class PostgresStationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, station_id: str) -> Station | None:
        row = await self._conn.fetchrow(sql.SELECT_STATION, station_id)
        return station_from_row(row) if row else None

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
        return token_from_row(row) if row else None

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
        token = token_from_row(row) if row["id_token"] is not None else None
        account = None
        if row["a_account_id"] is not None:
            names = [key for key in row.keys() if key.startswith("a_")]  # noqa: SIM118 (a Record iterates values)
            account = account_from_row({key.removeprefix("a_"): row[key] for key in names})
        return token, account, row["station_operator"]

    async def account(self, account_id: str) -> AccountRecord | None:
        row = await self._conn.fetchrow(sql.SELECT_ACCOUNT, account_id)
        return account_from_row(row) if row else None

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
        return [token_from_row(row) for row in rows]

    async def changed_since(
        self, operator_id: str, version: int
    ) -> list[tuple[str, TokenRecord | None]]:
        rows = await self._conn.fetch(sql.SELECT_TOKENS_CHANGED_SINCE, operator_id, version)
        return [(row["id_token"], token_from_row(row) if row["known"] else None) for row in rows]
