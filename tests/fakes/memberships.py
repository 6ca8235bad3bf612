"""Memberships in memory (seed 002 第13条), as ``csms/storage/memberships.py`` keeps them.

The tariffs and sites a membership may name are ``store.tariff_ids`` and
``store.tariff_sites`` (a test adds them: the tariff store is not part of a unit of work).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from csms.administration.ports import Membership, MissingReferences
from tests.fakes.store import ForeignKeyViolation, Transaction


class FakeMembershipRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def get(self, membership_id: str) -> Membership | None:
        found = self._store.memberships.get(membership_id)
        if found is None:
            return None
        members = sorted(a for m, a in self._store.membership_members if m == membership_id)
        return dataclasses.replace(found, members=tuple(members))

    async def of_operator(self, operator_id: str | None) -> list[Membership]:
        found = []
        for membership_id in sorted(self._store.memberships):
            membership = await self.get(membership_id)
            if membership is not None and operator_id in (None, membership.operator_id):
                found.append(membership)
        return found

    async def save(self, membership: Membership) -> bool:
        """Insert, or change name, default tariff and the station and site tariffs."""
        self._tx.require(self._store.operators, membership.operator_id, "operator")
        for station_id in membership.stations:
            self._tx.require(self._store.stations, station_id, "station")
        _require(self._store.tariff_sites, membership.sites, "site")
        named = [membership.tariff_id, *membership.stations.values(), *membership.sites.values()]
        _require(self._store.tariff_ids, [t for t in named if t is not None], "tariff")
        current = self._store.memberships.get(membership.membership_id)
        now = self._tx.now()
        kept = dataclasses.replace(
            membership,
            operator_id=current.operator_id if current else membership.operator_id,
            stations=dict(membership.stations),
            sites=dict(membership.sites),
            members=(),
            created_at=current.created_at if current else now,
            updated_at=now,
        )
        self._tx.put(self._store.memberships, membership.membership_id, kept)
        return current is None

    async def add_member(self, membership_id: str, account_id: str) -> bool:
        self._tx.require(self._store.memberships, membership_id, "membership")
        self._tx.require(self._store.accounts, account_id, "account")
        key = (membership_id, account_id)
        if key in self._store.membership_members:
            return False
        self._tx.put(self._store.membership_members, key, self._tx.now())
        return True

    async def remove_member(self, membership_id: str, account_id: str) -> bool:
        key = (membership_id, account_id)
        if key not in self._store.membership_members:
            return False
        self._tx.delete(self._store.membership_members, key)
        return True

    async def missing(self, membership: Membership) -> MissingReferences:
        store = self._store
        named = {membership.tariff_id, *membership.stations.values(), *membership.sites.values()}
        stations = [
            station_id
            for station_id in membership.stations
            if station_id not in store.stations
            or store.stations[station_id].operator_id != membership.operator_id
        ]
        return MissingReferences(
            operator=membership.operator_id not in store.operators,
            tariffs=tuple(sorted(t for t in named if t is not None and t not in store.tariff_ids)),
            sites=tuple(sorted(s for s in membership.sites if s not in store.tariff_sites)),
            stations=tuple(sorted(stations)),
        )


def _require(known: set[str], keys: Iterable[str], what: str) -> None:
    """Foreign keys to the tariff tables (sets here: tests add to them)."""
    for key in keys:
        if key not in known:
            raise ForeignKeyViolation(f"{what} {key!r} does not exist")
