"""Memberships: an operator may give chosen member accounts special prices (seed 002 第13条).

A membership belongs to one operator and names its members (that operator's accounts) and
the tariff they pay per station and per site, and optionally one default for all of the
operator's stations. Settlement prices a member's session with it (station > site >
default, ``storage/pricing_terms.py``); a member of no membership, or at a station the
membership does not cover, pays the list price.

Tenancy as in ``service.py``: with ``scope=OPERATOR_ID`` (an operator's key) only that
operator's memberships and accounts exist (another's are NotFound, so ids cannot be probed)
and naming another operator is Forbidden; ``scope=None`` is an admin.
"""

from __future__ import annotations

import re
from typing import Final

from csms.administration.ports import Membership, MembershipsUnitOfWork, MissingReferences
from csms.errors import Conflict, Forbidden, InvalidInput, NotFound
from csms.ports import UnitOfWorkProvider

MEMBERSHIP_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,48}")  # it is a path segment of the API
MAX_ENTRIES: Final = 1000  # station or site tariffs of one membership


class MembershipService:
    def __init__(self, uow: UnitOfWorkProvider[MembershipsUnitOfWork]) -> None:
        self._uow = uow

    async def save(self, membership: Membership, *, scope: str | None = None) -> bool:
        """Add a membership or change its name and tariffs (members are kept); True when it
        was added. Its station and site tariffs are replaced by the given ones.

        Raises:
            InvalidInput: a bad id, or a tariff, site or station that does not exist (a
                station must be the membership operator's). Forbidden: another operator named
                by an operator's key. NotFound: another operator's membership. Conflict: a
                change of a membership's operator.
        """
        _check(membership)
        _within(scope, membership.operator_id)
        async with self._uow() as uow:
            existing = await uow.memberships.get(membership.membership_id)
            if existing is not None:
                _visible(existing, scope)
                if existing.operator_id != membership.operator_id:
                    raise Conflict(
                        f"membership {membership.membership_id!r} is operator "
                        f"{existing.operator_id!r}'s; its operator cannot change"
                    )
            _refuse(membership, await uow.memberships.missing(membership))
            return await uow.memberships.save(membership)

    async def get(self, membership_id: str, *, scope: str | None = None) -> Membership:
        """The membership with its tariffs and members; NotFound outside ``scope``."""
        async with self._uow() as uow:
            found = await uow.memberships.get(membership_id)
        if found is None:
            raise NotFound(f"no membership {membership_id!r}")
        _visible(found, scope)
        return found

    async def list_memberships(
        self, *, scope: str | None = None, operator_id: str | None = None
    ) -> list[Membership]:
        """The memberships within ``scope``, of ``operator_id`` if given, by id."""
        if scope is not None and operator_id is not None and operator_id != scope:
            return []  # as the other lists: a filter never widens the caller's scope
        async with self._uow() as uow:
            return await uow.memberships.of_operator(scope or operator_id)

    async def add_member(
        self, membership_id: str, account_id: str, *, scope: str | None = None
    ) -> bool:
        """Make the account a member (idempotent); True when it was not one before.

        The account must be the membership operator's: another operator's account is
        NotFound for an operator's key and InvalidInput for an admin.
        """
        async with self._uow() as uow:
            membership = await self._membership(uow, membership_id, scope)
            account = await uow.accounts.get(account_id)
            if account is None or (scope is not None and account.operator_id != scope):
                raise NotFound(f"no account {account_id!r}")
            if account.operator_id != membership.operator_id:
                raise InvalidInput(
                    f"account {account_id!r} is operator {account.operator_id!r}'s, not "
                    f"{membership.operator_id!r}'s"
                )
            return await uow.memberships.add_member(membership_id, account_id)

    async def remove_member(
        self, membership_id: str, account_id: str, *, scope: str | None = None
    ) -> None:
        """The account is no member any more; NotFound when it was none."""
        async with self._uow() as uow:
            await self._membership(uow, membership_id, scope)
            if not await uow.memberships.remove_member(membership_id, account_id):
                raise NotFound(f"account {account_id!r} is no member of {membership_id!r}")

    async def _membership(
        self, uow: MembershipsUnitOfWork, membership_id: str, scope: str | None
    ) -> Membership:
        found = await uow.memberships.get(membership_id)
        if found is None:
            raise NotFound(f"no membership {membership_id!r}")
        _visible(found, scope)
        return found


def _check(membership: Membership) -> None:
    if not MEMBERSHIP_ID.fullmatch(membership.membership_id):
        raise InvalidInput("membership_id: 1-48 characters of A-Z, a-z, 0-9, '.', '_', '-'")
    if not membership.name or not membership.operator_id:
        raise InvalidInput("a membership needs a name and an operator")
    if len(membership.stations) > MAX_ENTRIES or len(membership.sites) > MAX_ENTRIES:
        raise InvalidInput(f"at most {MAX_ENTRIES} station and {MAX_ENTRIES} site tariffs")


def _within(scope: str | None, operator_id: str) -> None:
    if scope is not None and operator_id != scope:
        raise Forbidden(f"this key acts only within operator {scope!r}")


def _visible(membership: Membership, scope: str | None) -> None:
    """Another operator's membership is answered as if it did not exist."""
    if scope is not None and membership.operator_id != scope:
        raise NotFound(f"no membership {membership.membership_id!r}")


def _refuse(membership: Membership, missing: MissingReferences) -> None:
    """NotFound for an unknown operator; else InvalidInput naming the first field that names
    what does not exist."""
    if missing.operator:
        raise NotFound(f"no operator {membership.operator_id!r}")
    if membership.tariff_id in missing.tariffs:
        raise InvalidInput(f"tariff_id: unknown tariff {membership.tariff_id!r}")
    if missing.stations:
        station_id = missing.stations[0]
        raise InvalidInput(
            f"stations.{station_id}: no station {station_id!r} of operator "
            f"{membership.operator_id!r}"
        )
    if missing.sites:
        site = missing.sites[0]
        raise InvalidInput(f"sites.{site}: unknown site {site!r} (PUT /api/sites/{{site}}/tariff)")
    for where, entries in (("stations", membership.stations), ("sites", membership.sites)):
        for key, tariff_id in entries.items():
            if tariff_id in missing.tariffs:
                raise InvalidInput(f"{where}.{key}: unknown tariff {tariff_id!r}")
