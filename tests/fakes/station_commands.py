"""Local authorization list versions per operator and what each station holds, in memory."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from csms.authorization.models import TokenRecord, TokenStatus
from tests.fakes.store import NotNullViolation, Transaction


class FakeLocalListRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def bump_version(self, operator_id: str, id_tokens: Sequence[str]) -> int:
        """The operator's next list version, carrying the changes of ``id_tokens``.

        For an unknown operator PostgreSQL's ``UPDATE ... RETURNING`` gives no version: None,
        and a change to record without a version is refused.
        """
        operator = self._store.operators.get(operator_id)
        if operator is None:
            if id_tokens:
                raise NotNullViolation(f"operator {operator_id!r} has no list version")
            return None  # type: ignore[return-value]  # as PostgreSQL answers
        version = operator.local_list_version + 1
        bumped = dataclasses.replace(operator, local_list_version=version)
        self._tx.put(self._store.operators, operator_id, bumped)
        for id_token in id_tokens:
            self._tx.put(self._store.list_changes, (operator_id, version, id_token), None)
        return version

    async def version(self, operator_id: str) -> int | None:
        operator = self._store.operators.get(operator_id)
        return operator.local_list_version if operator else None

    async def valid_tokens(self, operator_id: str, now: datetime) -> list[TokenRecord]:
        """The operator's accepted cards not expired at ``now``, by id."""
        return sorted(
            (
                token
                for token in self._store.tokens.values()
                if token.operator_id == operator_id
                and token.status is TokenStatus.ACCEPTED
                and (token.expires_at is None or token.expires_at > now)
            ),
            key=lambda token: token.id_token,
        )

    async def changed_since(
        self, operator_id: str, version: int
    ) -> list[tuple[str, TokenRecord | None]]:
        """Each card changed in a later version, by id, as it is now (None: unknown)."""
        changed = {
            id_token
            for (operator, changed_in, id_token) in self._store.list_changes
            if operator == operator_id and changed_in > version
        }
        return [(id_token, self._store.tokens.get(id_token)) for id_token in sorted(changed)]


class FakeStationListRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def operator_of(self, station_id: str) -> str | None:
        row = self._store.stations.get(station_id)
        return row.operator_id if row else None

    async def set_operator(self, station_id: str, operator_id: str) -> bool:
        row = self._store.stations.get(station_id)
        if row is None:
            return False
        self._tx.require(self._store.operators, operator_id, "operator")
        kept = dataclasses.replace(row, operator_id=operator_id)
        self._tx.put(self._store.stations, station_id, kept)
        return True

    async def stations_of_operator(self, operator_id: str) -> list[tuple[str, int | None]]:
        return sorted(
            (
                (station_id, row.local_list_version)
                for station_id, row in self._store.stations.items()
                if row.operator_id == operator_id
            ),
            key=lambda pair: pair[0],
        )

    async def set_list_version(self, station_id: str, version: int | None) -> None:
        row = self._store.stations.get(station_id)
        if row is not None:
            kept = dataclasses.replace(row, local_list_version=version)
            self._tx.put(self._store.stations, station_id, kept)
