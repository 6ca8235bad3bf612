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

    async def add_station(
        self,
        station_id: str,
        password: str | None = None,
        *,
        profile: int | None = None,
        hex_key: bool = False,
    ) -> bool:
        """Register a station, or change its credentials; False when it existed already.

        ``profile`` defaults to 1 with a password and 0 (development only) without. Profiles
        1 and 2 need a password of 16-40 bytes (raw text, or hex with ``hex_key``); profile 3
        needs none (the client certificate's CN is the station id).
        """
        if not station_id or len(station_id) > 48 or "/" in station_id:
            raise InvalidInput("a station id has 1-48 characters and no '/'")
        chosen = profile if profile is not None else (1 if password else 0)
        if chosen not in (0, 1, 2, 3):
            raise InvalidInput("the security profile is 0, 1, 2 or 3")
        if chosen in (1, 2) and not password:
            raise InvalidInput(f"security profile {chosen} needs a password")
        password_hash = hash_password(password, hex_key=hex_key) if password else None
        async with self._uow() as uow:
            if await uow.stations.add(station_id, password_hash, chosen):
                return True
            await uow.stations.set_credentials(station_id, chosen, password_hash)
            return False

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
