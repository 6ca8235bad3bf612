"""Operator use cases that change registrations: operators, stations, accounts, cards, stands.

Every card change bumps its operator's local-list version and pushes the change to the
operator's connected stations (local_lists.py).

Tenancy: a change made with ``scope=OPERATOR_ID`` (an operator's API key) may only touch that
operator's accounts, cards, stands and meters; another operator's are answered as if they did
not exist (NotFound), so ids cannot be probed, and naming another operator is Forbidden.
``scope=None`` is an admin's change.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from csms.administration.ports import AdministrationUnitOfWork
from csms.authorization.models import (
    AccountRecord,
    AccountStatus,
    Stand,
    TokenKind,
    TokenRecord,
    TokenStatus,
)
from csms.authorization.rule import new_app_id_tag, normalise_token
from csms.errors import Forbidden, InvalidInput, NotFound
from csms.meter.verify import OcmfVerificationError, check_public_key
from csms.ports import UnitOfWorkProvider
from csms.settlement.models import MeterRecord
from csms.station_commands.local_lists import LocalListService
from csms.stations.credentials import hash_password


class AdminService:
    def __init__(
        self,
        uow: UnitOfWorkProvider[AdministrationUnitOfWork],
        local_lists: LocalListService | None = None,
    ) -> None:
        self._uow = uow
        self._local_lists = local_lists

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

    async def add_operator(self, operator_id: str, name: str) -> None:
        if not operator_id or not name:
            raise InvalidInput("an operator needs an id and a name")
        async with self._uow() as uow:
            await uow.accounts.add_operator(operator_id, name)

    async def assign_station(self, station_id: str, operator_id: str) -> None:
        """The operator that owns the station (whose cards it accepts and lists)."""
        async with self._uow() as uow:
            if await uow.local_lists.version(operator_id) is None:
                raise NotFound(f"no operator {operator_id!r}")
            if not await uow.station_lists.set_operator(station_id, operator_id):
                raise NotFound(f"no station {station_id!r}")
            await uow.station_lists.set_list_version(station_id, None)
        if self._local_lists is not None:
            await self._local_lists.sync_operator(operator_id)

    async def set_account(
        self,
        account_id: str,
        operator_id: str,
        name: str,
        *,
        email: str | None = None,
        status: AccountStatus = AccountStatus.VALID,
        expires_at: datetime | None = None,
        group_id: str | None = None,
        scope: str | None = None,
    ) -> bool:
        """Add or change a member account; True when it was added.

        A new account gets its app's id tag (its Central token): a random value, never the
        account id, so knowing an account id does not let anyone charge on it. The app's
        credential, the app token, is issued by ``AccessService.issue_app_token``.
        """
        if not account_id or len(account_id) > 64:
            raise InvalidInput("an account id has 1-64 characters")
        _within(scope, operator_id)
        account = AccountRecord(
            account_id, operator_id, name, email, status, expires_at, group_id, None, None
        )
        async with self._uow() as uow:
            previous = await uow.accounts.get(account_id)
            if previous is not None and scope is not None and previous.operator_id != scope:
                raise NotFound(f"no account {account_id!r}")
            await uow.accounts.upsert(account)
            app_tag = await uow.tokens.app_tag_of(account_id)
        await self.set_token(
            app_tag or new_app_id_tag(),
            TokenStatus.ACCEPTED,
            kind=TokenKind.CENTRAL,
            operator_id=operator_id,
            account_id=account_id,
        )
        return previous is None

    async def set_token(
        self,
        id_token: str,
        status: TokenStatus,
        *,
        kind: TokenKind = TokenKind.UNKNOWN,
        expires_at: datetime | None = None,
        group_id: str | None = None,
        operator_id: str | None = None,
        account_id: str | None = None,
        scope: str | None = None,
    ) -> str:
        """Add or change a card; returns its normal form. Pushes local lists.

        With a ``scope`` the card is that operator's (``operator_id`` defaults to it).
        """
        value = normalise_token(id_token)
        if scope is not None:
            _within(scope, operator_id)
            operator_id = scope
        if not value or len(value) > 36:
            raise InvalidInput("an id token has 1-36 characters")
        if status not in (TokenStatus.ACCEPTED, TokenStatus.BLOCKED, TokenStatus.EXPIRED):
            raise InvalidInput("a stored token status is Accepted, Blocked or Expired")
        record = TokenRecord(
            value, kind, status, expires_at, group_id, None, operator_id, account_id
        )
        async with self._uow() as uow:
            previous = await uow.tokens.get(value)
            if scope is not None:
                await _card_within(uow, scope, value, previous, account_id)
            await uow.tokens.upsert(record)
            operators = {operator_id, previous.operator_id if previous else None} - {None}
            for operator in operators:
                await uow.local_lists.bump_version(str(operator), [value])
        if self._local_lists is not None:
            for operator in operators:
                await self._local_lists.sync_operator(str(operator))
        return value

    async def add_stand(self, stand: Stand, *, scope: str | None = None) -> None:
        """A public stand id (seed 000 SID) for one EVSE of a registered station."""
        if not stand.stand_id:
            raise InvalidInput("a stand needs an id")
        async with self._uow() as uow:
            if await uow.stations.get(stand.station_id) is None:
                raise NotFound(f"no station {stand.station_id!r}")
            await _station_within(uow, scope, stand.station_id)
            existing = await uow.stands.get(stand.stand_id)
            if existing is not None:
                await _station_within(uow, scope, existing.station_id, f"stand {stand.stand_id!r}")
            await uow.stands.add(stand)

    async def set_meter(self, meter: MeterRecord, *, scope: str | None = None) -> None:
        """Register or change a billing meter; a key must be a readable EC public key."""
        if not meter.serial or not meter.maker or not meter.model:
            raise InvalidInput("a meter needs a serial, a maker and a model")
        if (meter.station_id is None) != (meter.evse_id is None):
            raise InvalidInput("a meter measures a station's EVSE: give both or neither")
        if meter.public_key:
            _checked_key(meter.public_key)
        if scope is not None and meter.station_id is None:
            raise Forbidden("an operator key registers meters of its own stations only")
        async with self._uow() as uow:
            if meter.station_id and await uow.stations.get(meter.station_id) is None:
                raise NotFound(f"no station {meter.station_id!r}")
            await _station_within(uow, scope, meter.station_id)
            existing = await uow.meters.get(meter.serial)
            if existing is not None:
                await _meter_within(uow, scope, existing)
            await uow.meters.upsert(meter)

    async def set_meter_key(
        self, serial: str, public_key: str, *, scope: str | None = None
    ) -> None:
        """Register a meter's public key (an operator step: the seeds do not give keys)."""
        _checked_key(public_key)
        async with self._uow() as uow:
            meter = await uow.meters.get(serial)
            if meter is None:
                raise NotFound(f"no meter {serial!r}")
            await _meter_within(uow, scope, meter)
            await uow.meters.upsert(dataclasses.replace(meter, public_key=public_key.strip()))


def _checked_key(text: str) -> None:
    try:
        check_public_key(text)
    except OcmfVerificationError as exc:
        raise InvalidInput(f"public key: {exc}") from exc


def _within(scope: str | None, operator_id: str | None) -> None:
    """An operator key names no other operator."""
    if scope is not None and operator_id is not None and operator_id != scope:
        raise Forbidden(f"this key acts only within operator {scope!r}")


async def _station_within(
    uow: AdministrationUnitOfWork, scope: str | None, station_id: str | None, what: str = ""
) -> None:
    """Another operator's station (or what belongs to it) is answered as not found."""
    if scope is None or station_id is None:
        return
    if await uow.station_lists.operator_of(station_id) != scope:
        raise NotFound(f"no {what or f'station {station_id!r}'}")


async def _meter_within(
    uow: AdministrationUnitOfWork, scope: str | None, meter: MeterRecord
) -> None:
    if scope is None:
        return
    if meter.station_id is None:
        raise NotFound(f"no meter {meter.serial!r}")
    await _station_within(uow, scope, meter.station_id, f"meter {meter.serial!r}")


async def _card_within(
    uow: AdministrationUnitOfWork,
    scope: str,
    id_token: str,
    previous: TokenRecord | None,
    account_id: str | None,
) -> None:
    """A card of another operator, or of no operator, is not this operator's to change."""
    if previous is not None and previous.operator_id != scope:
        raise NotFound(f"no card {id_token!r}")
    if account_id is not None:
        account = await uow.accounts.get(account_id)
        if account is None or account.operator_id != scope:
            raise NotFound(f"no account {account_id!r}")
