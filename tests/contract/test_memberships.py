"""Contract of memberships (seed 002 第13条): the repository and the use cases' tenancy, on
the in-memory fake and on PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from csms.administration.memberships import MembershipService
from csms.administration.ports import Membership, MissingReferences
from csms.authorization.models import AccountRecord, AccountStatus
from csms.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import unique
from tests.contract.conftest import REFUSED, Backend, Provider
from tests.fakes import InMemoryUnitOfWorkProvider
from tests.integration.stored_tariffs import store_tariff

AddReference = Callable[[str, str], Awaitable[None]]  # ("tariff" | "site", id)


@pytest.fixture
def add_reference(backend: Backend, request: pytest.FixtureRequest) -> AddReference:
    """Adds a stored tariff or site (the tariff store is not part of a unit of work)."""

    async def add(kind: str, key: str) -> None:
        provider = backend.provider
        if isinstance(provider, InMemoryUnitOfWorkProvider):
            (provider.store.tariff_ids if kind == "tariff" else provider.store.tariff_sites).add(
                key
            )
            return
        pool = request.getfixturevalue("contract_pool")
        if kind == "tariff":
            await store_tariff(pool, key)
        else:
            await pool.execute("INSERT INTO tariff_sites (site) VALUES ($1)", key)

    return add


async def _operator(uow_provider: Provider, stations: int = 1) -> tuple[str, str, list[str]]:
    """A new operator with one account and ``stations`` stations."""
    operator, account = unique("OPM"), unique("ACM")
    station_ids = [unique("STM") for _ in range(stations)]
    async with uow_provider() as uow:
        await uow.accounts.add_operator(operator, "Operator")
        await uow.accounts.upsert(
            AccountRecord(account, operator, "Member", None, AccountStatus.VALID, None, None, None)
        )
        for station_id in station_ids:
            assert await uow.stations.add(station_id, None)
            assert await uow.station_lists.set_operator(station_id, operator)
    return operator, account, station_ids


async def test_a_membership_is_saved_changed_and_read_whole(
    uow_provider: Provider, add_reference: AddReference
) -> None:
    """Saving again changes name and tariffs (station and site tariffs replaced), keeps the
    operator and the members; members and lists come back in code-point order."""
    operator, account, (station, other) = await _operator(uow_provider, 2)
    cheap, cheaper, site = unique("t-cheap"), unique("t-cheaper"), unique("site")
    for kind, key in (("tariff", cheap), ("tariff", cheaper), ("site", site)):
        await add_reference(kind, key)
    first = Membership(unique("B-m"), operator, "Gold", cheap, {station: cheaper}, {site: cheap})
    async with uow_provider() as uow:
        assert await uow.memberships.save(first)
        assert await uow.memberships.add_member(first.membership_id, account)
        assert not await uow.memberships.add_member(first.membership_id, account)
    changed = Membership(first.membership_id, operator, "Platinum", None, {other: cheap})
    async with uow_provider() as uow:
        assert not await uow.memberships.save(changed)
        found = await uow.memberships.get(first.membership_id)
        second = Membership(unique("A-m"), operator, "Silver")
        assert await uow.memberships.save(second)
        listed = await uow.memberships.of_operator(operator)
        everyone = await uow.memberships.of_operator(None)
        assert await uow.memberships.get("no-such-membership") is None
    assert found is not None
    assert (found.name, found.tariff_id, found.operator_id) == ("Platinum", None, operator)
    assert (dict(found.stations), dict(found.sites), found.members) == (
        {other: cheap},
        {},
        (account,),
    )
    assert found.created_at is not None
    assert found.updated_at is not None
    assert [m.membership_id for m in listed] == [second.membership_id, first.membership_id]
    assert {second.membership_id, first.membership_id} <= {m.membership_id for m in everyone}


async def test_members_are_removed_once(uow_provider: Provider) -> None:
    operator, account, _ = await _operator(uow_provider)
    membership = Membership(unique("m"), operator, "Gold")
    async with uow_provider() as uow:
        await uow.memberships.save(membership)
        assert not await uow.memberships.remove_member(membership.membership_id, account)
        await uow.memberships.add_member(membership.membership_id, account)
        assert await uow.memberships.remove_member(membership.membership_id, account)
        assert not await uow.memberships.remove_member(membership.membership_id, account)
        found = await uow.memberships.get(membership.membership_id)
    assert found is not None
    assert found.members == ()


async def test_missing_references_are_named(
    uow_provider: Provider, add_reference: AddReference
) -> None:
    """Unknown tariffs and sites, and stations that are unknown or another operator's."""
    operator, _, (own,) = await _operator(uow_provider)
    _, _, (theirs,) = await _operator(uow_provider)
    known = unique("t-known")
    await add_reference("tariff", known)
    named = Membership(
        unique("m"),
        operator,
        "Gold",
        "t-nope-b",
        {own: known, theirs: known, "NO-ST": "t-nope-a"},
        {"no-such-site": known},
    )
    async with uow_provider() as uow:
        missing = await uow.memberships.missing(named)
        nobody = await uow.memberships.missing(Membership("m", unique("NO-OP"), "x"))
    with pytest.raises(REFUSED):  # what the service checks first, the schema refuses too
        async with uow_provider() as uow:
            await uow.memberships.save(named)
    assert missing == MissingReferences(
        False, ("t-nope-a", "t-nope-b"), ("no-such-site",), tuple(sorted(["NO-ST", theirs]))
    )
    assert nobody.operator


async def test_an_operator_sees_and_changes_only_its_own(
    uow_provider: Provider, add_reference: AddReference
) -> None:
    """Another operator's membership and account are not found; naming another operator is
    forbidden; an unknown tariff is refused naming the field; the operator never changes."""
    service = MembershipService(uow_provider)
    mine, my_account, (station,) = await _operator(uow_provider)
    theirs, their_account, _ = await _operator(uow_provider)
    tariff = unique("t-member")
    await add_reference("tariff", tariff)
    own = Membership(unique("m"), mine, "Gold", None, {station: tariff})
    assert await service.save(own, scope=mine)
    assert not await service.save(own, scope=mine)
    other = Membership(unique("m"), theirs, "Theirs", tariff)
    assert await service.save(other)  # an admin
    with pytest.raises(NotFound):
        await service.get(other.membership_id, scope=mine)
    with pytest.raises(NotFound):
        await service.add_member(other.membership_id, my_account, scope=mine)
    with pytest.raises(NotFound):
        await service.add_member(own.membership_id, their_account, scope=mine)
    with pytest.raises(InvalidInput, match="not"):
        await service.add_member(own.membership_id, their_account)  # an admin: explained
    with pytest.raises(Forbidden):
        await service.save(Membership(other.membership_id, theirs, "Mine now"), scope=mine)
    with pytest.raises(NotFound):
        await service.save(Membership(other.membership_id, mine, "Mine now"), scope=mine)
    with pytest.raises(Conflict):
        await service.save(Membership(other.membership_id, mine, "Moved"))
    with pytest.raises(InvalidInput, match=r"^stations\..*: unknown tariff 'nope'"):
        await service.save(Membership(own.membership_id, mine, "Gold", None, {station: "nope"}))
    with pytest.raises(InvalidInput, match="membership_id"):
        await service.save(Membership("a/b", mine, "Gold"))
    assert [m.membership_id for m in await service.list_memberships(scope=mine)] == [
        own.membership_id
    ]
    assert await service.list_memberships(scope=mine, operator_id=theirs) == []
    assert await service.add_member(own.membership_id, my_account, scope=mine)
    assert not await service.add_member(own.membership_id, my_account, scope=mine)
    await service.remove_member(own.membership_id, my_account, scope=mine)
    with pytest.raises(NotFound):
        await service.remove_member(own.membership_id, my_account, scope=mine)
