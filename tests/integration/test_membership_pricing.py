"""The membership price settlement reads (seed 002 第13条; storage/pricing_terms.py) on the
real PostgreSQL: station tariff over site tariff over default, only at the membership
operator's stations, the lowest membership id when several apply, and none for anyone else."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from csms.administration.ports import Membership
from csms.authorization.models import (
    AccountRecord,
    AccountStatus,
    TokenKind,
    TokenRecord,
    TokenStatus,
)
from csms.settlement.models import MembershipPrice
from csms.storage.postgres import PostgresUnitOfWorkProvider, create_pool
from tests.conftest import unique
from tests.integration.stored_tariffs import store_tariff


@dataclass
class World:
    """Operator A's stations ``at_station`` and ``at_site`` (both at ``site``) and
    ``elsewhere`` (no site), operator B's ``theirs``; A's member and non-member cards."""

    uow: PostgresUnitOfWorkProvider
    pool: asyncpg.Pool
    operator: str
    member: str  # account
    card: str  # the member's card, stored in normal form
    stranger_card: str
    at_station: str
    at_site: str
    elsewhere: str
    theirs: str
    site: str

    async def price(self, id_token: str | None, station_id: str) -> MembershipPrice | None:
        async with self.uow() as uow:
            terms = await uow.pricing_terms.terms_of(uuid.uuid4(), id_token, station_id)
        assert terms.reservation is None
        return terms.membership

    async def tariff(self) -> str:
        return await store_tariff(self.pool, unique("t-member"))

    async def membership(self, membership: Membership, *members: str) -> None:
        async with self.uow() as uow:
            await uow.memberships.save(membership)
            for account_id in members:
                await uow.memberships.add_member(membership.membership_id, account_id)


def _card() -> str:
    return uuid.uuid4().hex[:16].upper()  # a FeliCa IDm, as id_tokens stores it


def sent(card: str) -> str:
    """The card as a reader may print it: lower case, colon-separated bytes."""
    return ":".join(card[i : i + 2] for i in range(0, len(card), 2)).lower()


async def _account(uow: PostgresUnitOfWorkProvider, operator: str, card: str) -> str:
    account = unique("ACC")
    async with uow() as work:
        record = AccountRecord(account, operator, "M", None, AccountStatus.VALID, None, None, None)
        await work.accounts.upsert(record)
        token = TokenRecord(
            card, TokenKind.ISO14443, TokenStatus.ACCEPTED, None, None, None, operator, account
        )
        await work.tokens.upsert(token)
    return account


async def _stations(
    uow: PostgresUnitOfWorkProvider, pool: asyncpg.Pool, operator: str, site: str
) -> list[str]:
    """Three stations of ``operator``, the first two at ``site``."""
    stations = [unique("MSHIP") for _ in range(3)]
    async with uow() as work:
        for station_id in stations:
            await work.stations.add(station_id, None)
            await work.station_lists.set_operator(station_id, operator)
    await pool.execute("INSERT INTO tariff_sites (site) VALUES ($1)", site)
    for station_id in stations[:2]:
        await pool.execute(
            "INSERT INTO tariff_station_assignments (station_id, site) VALUES ($1, $2)",
            station_id,
            site,
        )
    return stations


@pytest.fixture
async def world(migrated_dsn: str) -> AsyncIterator[World]:
    pool = await create_pool(migrated_dsn, 2)
    uow = PostgresUnitOfWorkProvider(pool)
    operator, other, site = unique("OPA"), unique("OPB"), unique("site")
    async with uow() as work:
        await work.accounts.add_operator(operator, "A")
        await work.accounts.add_operator(other, "B")
        await work.stations.add(theirs := unique("MSHIP-B"), None)
        await work.station_lists.set_operator(theirs, other)
    card, stranger_card = _card(), _card()
    member = await _account(uow, operator, card)
    await _account(uow, operator, stranger_card)
    at_station, at_site, elsewhere = await _stations(uow, pool, operator, site)
    try:
        yield World(
            uow,
            pool,
            operator,
            member,
            card,
            stranger_card,
            at_station,
            at_site,
            elsewhere,
            theirs,
            site,
        )
    finally:
        await pool.close()


async def test_station_tariff_beats_site_tariff_beats_default(world: World) -> None:
    """The card as the station sent it (``01:2e:...``) finds the member stored in normal form."""
    by_station, by_site, default = [await world.tariff() for _ in range(3)]
    membership = Membership(
        unique("gold"),
        world.operator,
        "Gold",
        default,
        {world.at_station: by_station},
        {world.site: by_site},
    )
    await world.membership(membership, world.member)
    name = (membership.membership_id, "Gold")
    assert await world.price(sent(world.card), world.at_station) == MembershipPrice(
        *name, by_station
    )
    assert await world.price(sent(world.card), world.at_site) == MembershipPrice(*name, by_site)
    assert await world.price(world.card, world.elsewhere) == MembershipPrice(*name, default)


async def test_no_membership_price_for_anyone_else_or_anywhere_else(world: World) -> None:
    """Non-members, unknown cards, no card, another operator's station, a station the
    membership does not cover: the list price (no membership)."""
    by_site, default = await world.tariff(), await world.tariff()
    await world.membership(
        Membership(unique("gold"), world.operator, "Gold", default), world.member
    )
    await world.membership(
        Membership(unique("site-only"), world.operator, "Site", None, {}, {world.site: by_site})
    )
    assert await world.price(world.stranger_card, world.at_station) is None
    assert await world.price("NO-SUCH-CARD", world.at_station) is None
    assert await world.price(None, world.at_station) is None
    assert await world.price(world.card, world.theirs) is None  # operator B's station
    assert await world.price(world.card, "NO-SUCH-STATION") is None
    nowhere = await _account(world.uow, world.operator, card := _card())
    await world.membership(
        Membership(unique("site-only"), world.operator, "Site", None, {}, {world.site: by_site}),
        nowhere,
    )
    assert await world.price(card, world.elsewhere) is None  # no site there, no default
    assert (await world.price(card, world.at_site)) is not None


async def test_the_lowest_membership_id_of_those_covering_the_station_applies(
    world: World,
) -> None:
    """Two memberships: at a station both cover, the lower id; where only one does, that one
    (even with the higher id). The app's tag (a Central token) is the account's too."""
    low_tariff, high_tariff = await world.tariff(), await world.tariff()
    prefix = unique("m")
    low = Membership(f"{prefix}-A", world.operator, "Low", None, {world.at_station: low_tariff})
    high = Membership(f"{prefix}-b", world.operator, "High", high_tariff)
    await world.membership(high, world.member)
    await world.membership(low, world.member)
    assert await world.price(world.card, world.at_station) == MembershipPrice(
        low.membership_id, "Low", low_tariff
    )
    assert await world.price(world.card, world.elsewhere) == MembershipPrice(
        high.membership_id, "High", high_tariff
    )
    app_tag = "APP" + uuid.uuid4().hex[:17].upper()
    async with world.uow() as uow:
        await uow.tokens.upsert(
            TokenRecord(
                app_tag,
                TokenKind.CENTRAL,
                TokenStatus.ACCEPTED,
                None,
                None,
                None,
                world.operator,
                world.member,
            )
        )
    assert (await world.price(app_tag.lower(), world.at_station)) == MembershipPrice(
        low.membership_id, "Low", low_tariff
    )
