"""Local authorization lists: the operator's versioned card list and what each station holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from csms.authorization.models import TokenRecord
from csms.storage.base import Query, Repository, set_column
from csms.storage.tokens import TOKEN

BUMP_LIST_VERSION: Final = """
UPDATE operators
SET local_list_version = local_list_version + 1
WHERE operator_id = $1
RETURNING local_list_version"""
SELECT_LIST_VERSION: Final = """
SELECT local_list_version
FROM operators
WHERE operator_id = $1"""
INSERT_LIST_CHANGE: Final = """
INSERT INTO local_list_changes (operator_id, version, id_token)
VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING"""
SELECT_VALID_TOKENS_OF_OPERATOR: Final = Query(
    TOKEN,
    "FROM id_tokens",
    "WHERE operator_id = $1 AND status = 'Accepted' AND (expires_at IS NULL OR expires_at > $2)",
    "ORDER BY id_token",
)
# Each card changed since the version; its columns are NULL when it no longer exists.
SELECT_TOKENS_CHANGED_SINCE: Final = f"""
SELECT c.id_token AS listed_token, {TOKEN.select("t")}
FROM (SELECT DISTINCT id_token
      FROM local_list_changes
      WHERE operator_id = $1 AND version > $2) AS c
LEFT JOIN id_tokens AS t ON t.id_token = c.id_token
ORDER BY c.id_token"""  # noqa: S608 (a constant column list)
SELECT_STATION_OPERATOR: Final = """
SELECT operator_id
FROM stations
WHERE station_id = $1"""
UPDATE_STATION_OPERATOR: Final = set_column("stations", "operator_id", "station_id")
SELECT_STATIONS_OF_OPERATOR: Final = """
SELECT station_id, local_list_version
FROM stations
WHERE operator_id = $1
ORDER BY station_id"""
UPDATE_STATION_LIST_VERSION: Final = set_column("stations", "local_list_version", "station_id")


class PostgresLocalListRepository(Repository):
    __slots__ = ()

    async def bump_version(self, operator_id: str, id_tokens: Sequence[str]) -> int:
        version: int = await self._conn.fetchval(BUMP_LIST_VERSION, operator_id)
        await self._conn.executemany(
            INSERT_LIST_CHANGE, [(operator_id, version, token) for token in id_tokens]
        )
        return version

    async def version(self, operator_id: str) -> int | None:
        value: int | None = await self._conn.fetchval(SELECT_LIST_VERSION, operator_id)
        return value

    async def valid_tokens(self, operator_id: str, now: datetime) -> list[TokenRecord]:
        return await SELECT_VALID_TOKENS_OF_OPERATOR.many(self._conn, operator_id, now)

    async def changed_since(
        self, operator_id: str, version: int
    ) -> list[tuple[str, TokenRecord | None]]:
        rows = await self._conn.fetch(SELECT_TOKENS_CHANGED_SINCE, operator_id, version)
        return [
            (row["listed_token"], TOKEN(row) if row["id_token"] is not None else None)
            for row in rows
        ]


class PostgresStationListRepository(Repository):
    __slots__ = ()

    async def operator_of(self, station_id: str) -> str | None:
        value: str | None = await self._conn.fetchval(SELECT_STATION_OPERATOR, station_id)
        return value

    async def set_operator(self, station_id: str, operator_id: str) -> bool:
        status = await self._conn.execute(UPDATE_STATION_OPERATOR, station_id, operator_id)
        return bool(status.endswith(" 1"))

    async def stations_of_operator(self, operator_id: str) -> list[tuple[str, int | None]]:
        rows = await self._conn.fetch(SELECT_STATIONS_OF_OPERATOR, operator_id)
        return [(row["station_id"], row["local_list_version"]) for row in rows]

    async def set_list_version(self, station_id: str, version: int | None) -> None:
        await self._conn.execute(UPDATE_STATION_LIST_VERSION, station_id, version)
