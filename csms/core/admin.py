"""Operator use cases that change registrations: stations and tokens (CLI and API)."""

from __future__ import annotations

from datetime import datetime

from csms.core.authorization import normalise_token
from csms.core.credentials import hash_password
from csms.core.errors import InvalidInput
from csms.core.models import TokenKind, TokenStatus
from csms.core.ports import UnitOfWorkProvider


class AdminService:
    def __init__(self, uow: UnitOfWorkProvider) -> None:
        self._uow = uow

    async def add_station(self, station_id: str, password: str | None) -> bool:
        """Register a station; returns False when it was registered already."""
        if not station_id or len(station_id) > 48 or "/" in station_id:
            raise InvalidInput("a station id has 1-48 characters and no '/'")
        async with self._uow() as uow:
            return await uow.stations.add(station_id, hash_password(password) if password else None)

    async def set_token(
        self,
        id_token: str,
        status: TokenStatus,
        *,
        kind: TokenKind = TokenKind.UNKNOWN,
        expires_at: datetime | None = None,
        group_id: str | None = None,
    ) -> str:
        """Add or change a token; returns its normal form."""
        value = normalise_token(id_token)
        if not value or len(value) > 36:
            raise InvalidInput("an id token has 1-36 characters")
        if status is TokenStatus.INVALID:
            raise InvalidInput("Invalid is the answer for unknown tokens, not a stored status")
        async with self._uow() as uow:
            await uow.tokens.upsert(value, kind, status, expires_at, group_id)
        return value
