"""Contract of cards, accounts, stands, visitors and passwords (authorization/ports.py)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

import pytest

from csms.authorization.models import (
    AccountRecord,
    AccountStatus,
    Stand,
    TokenKind,
    TokenRecord,
    TokenStatus,
    Visitor,
)
from csms.authorization.ports import IssuedPassword, MemberView
from tests.conftest import unique
from tests.contract.builders import AT, JST, new_station
from tests.contract.conftest import REFUSED, Provider

MINUTE = timedelta(minutes=1)


async def new_operator(uow_provider: Provider) -> str:
    operator_id = unique("OP")
    async with uow_provider() as uow:
        await uow.accounts.add_operator(operator_id, "Operator")
    return operator_id


def account_of(operator_id: str, **fields: object) -> AccountRecord:
    account = AccountRecord(
        unique("ACC"), operator_id, "Hanako", "h@example.jp", AccountStatus.VALID, None, None, None
    )
    return dataclasses.replace(account, **fields)  # type: ignore[arg-type]


async def test_an_account_upsert_changes_its_details_but_not_operator_or_use(
    uow_provider: Provider,
) -> None:
    """An upserted account reads back; again, only name, e-mail, status, expiry, group change."""
    operator_id, other_operator = await new_operator(uow_provider), await new_operator(uow_provider)
    account = account_of(operator_id, created_at=AT)
    changed = dataclasses.replace(
        account,
        operator_id=other_operator,
        name="Taro",
        status=AccountStatus.BLOCKED,
        group_id="G1",
        last_used_at=AT,
    )
    async with uow_provider() as uow:
        await uow.accounts.upsert(account)
        assert await uow.accounts.get(account.account_id) == account
        await uow.accounts.upsert(changed)
        assert await uow.accounts.get(account.account_id) == dataclasses.replace(
            changed, operator_id=operator_id, last_used_at=None
        )
        assert await uow.accounts.get(unique("ACC")) is None


async def test_touch_and_deactivate_an_account(uow_provider: Provider) -> None:
    """touch records the last use; deactivate turns only a valid account deactivated."""
    operator_id = await new_operator(uow_provider)
    valid, blocked = account_of(operator_id), account_of(operator_id, status=AccountStatus.BLOCKED)
    async with uow_provider() as uow:
        for account in (valid, blocked):
            await uow.accounts.upsert(account)
            await uow.accounts.touch(account.account_id, AT.astimezone(JST))
            await uow.accounts.deactivate(account.account_id)
        found = [await uow.accounts.get(a.account_id) for a in (valid, blocked)]
    assert [(a.status, a.last_used_at, a.created_at is not None) for a in found if a] == [
        (AccountStatus.DEACTIVATED, AT, True),
        (AccountStatus.BLOCKED, AT, True),
    ]


async def test_a_card_upsert_replaces_it_but_keeps_its_creation(uow_provider: Provider) -> None:
    """An upserted card reads back; again, its fields change and created_at stays."""
    operator_id = await new_operator(uow_provider)
    card = TokenRecord(unique("CARD"), TokenKind.ISO14443, TokenStatus.ACCEPTED, None, "G", None)
    card = dataclasses.replace(card, operator_id=operator_id)
    async with uow_provider() as uow:
        await uow.tokens.upsert(card)
        first = await uow.tokens.get(card.id_token)
    blocked = dataclasses.replace(card, status=TokenStatus.BLOCKED, expires_at=AT, created_at=AT)
    async with uow_provider() as uow:
        await uow.tokens.upsert(blocked)
        second = await uow.tokens.get(card.id_token)
        assert await uow.tokens.get(unique("CARD")) is None
    assert first is not None
    assert first.created_at is not None
    assert first == dataclasses.replace(card, created_at=first.created_at)
    assert second == dataclasses.replace(blocked, created_at=first.created_at)


async def test_a_card_is_stored_accepted_blocked_or_expired_only(uow_provider: Provider) -> None:
    """Invalid is an answer for unknown cards, never a stored status."""
    card = TokenRecord(unique("CARD"), TokenKind.UNKNOWN, TokenStatus.INVALID, None, None)
    with pytest.raises(REFUSED):
        async with uow_provider() as uow:
            await uow.tokens.upsert(card)


async def test_member_view_is_card_account_and_station_operator(uow_provider: Provider) -> None:
    """The card, its account and the station's operator; each None when there is none."""
    operator_id = await new_operator(uow_provider)
    station_id = await new_station(uow_provider)
    account = account_of(operator_id, created_at=AT)
    card = TokenRecord(
        unique("CARD"),
        TokenKind.ISO14443,
        TokenStatus.ACCEPTED,
        None,
        None,
        operator_id=operator_id,
        account_id=account.account_id,
    )
    async with uow_provider() as uow:
        await uow.accounts.upsert(account)
        await uow.tokens.upsert(card)
        assert await uow.station_lists.set_operator(station_id, operator_id)
        view = await uow.tokens.member_view(card.id_token, station_id, AT, AT)
        unknown = await uow.tokens.member_view(unique("CARD"), unique("NOST"), AT, AT)
    assert view.token is not None
    assert (view.token.account_id, view.account, view.station_operator) == (
        account.account_id,
        account,
        operator_id,
    )
    assert view.visits_possible is False
    assert unknown == MemberView(None, None, None, False)


async def new_stand(uow_provider: Provider, **fields: object) -> Stand:
    stand = Stand(unique("SID"), await new_station(uow_provider), 1, "left", False)
    stand = dataclasses.replace(stand, **fields)  # type: ignore[arg-type]
    async with uow_provider() as uow:
        await uow.stands.add(stand)
    return stand


async def new_visitor(uow_provider: Provider, stand: Stand) -> Visitor:
    visitor = Visitor(uuid.uuid4(), stand.stand_id, "Ichiro", "i@example.jp", "pay-1", True, AT)
    async with uow_provider() as uow:
        await uow.visitors.add(visitor)
    return visitor


async def test_stands_and_visitors_read_back(uow_provider: Provider) -> None:
    """A stand is replaced by a second add; a visitor reads back as registered."""
    stand = await new_stand(uow_provider)
    visitor = await new_visitor(uow_provider, stand)
    relabelled = dataclasses.replace(stand, label="right", uses_passwords=True)
    async with uow_provider() as uow:
        await uow.stands.add(relabelled)
        assert await uow.stands.get(stand.stand_id) == relabelled
        assert await uow.stands.get(unique("SID")) is None
        assert await uow.visitors.get(visitor.visitor_id) == visitor
        assert await uow.visitors.get(uuid.uuid4()) is None


async def test_an_evse_has_one_stand(uow_provider: Provider) -> None:
    """A second stand id for the same EVSE of a station is refused."""
    stand = await new_stand(uow_provider)
    with pytest.raises(REFUSED):
        async with uow_provider() as uow:
            await uow.stands.add(dataclasses.replace(stand, stand_id=unique("SID")))


async def test_a_touch_window_binds_one_card_while_open(uow_provider: Provider) -> None:
    """An open window takes the first card touched at its EVSE, then is no longer open."""
    stand = await new_stand(uow_provider)
    visitor = await new_visitor(uow_provider, stand)
    station_id, closes = stand.station_id, AT + MINUTE
    async with uow_provider() as uow:
        visitors = uow.visitors
        await visitors.open_window(visitor.visitor_id, stand, AT, closes)
        assert await visitors.open_window_at(stand.stand_id, AT + MINUTE / 2) == closes
        assert await visitors.open_window_at(stand.stand_id, closes) is None
        assert await visitors.touch_open_window(station_id, 2, "CARD", AT) is None
        assert await visitors.touch_open_window(station_id, 1, "CARD", closes) is None
        touched = await visitors.touch_open_window(station_id, 1, "CARD", AT + MINUTE / 2)
        assert await visitors.touch_open_window(station_id, None, "CARD2", AT) is None
        assert await visitors.open_window_at(stand.stand_id, AT) is None
        assert await visitors.bound_window(station_id, "CARD", AT) == visitor.visitor_id
        assert await visitors.bound_window(station_id, "CARD", closes) is None
        assert await visitors.bound_window(station_id, "CARD2", AT) is None
    assert touched == visitor.visitor_id


async def test_visits_are_possible_while_a_window_or_password_lives(
    uow_provider: Provider,
) -> None:
    """A window not yet closed, one touched since, or a live password makes visits possible."""
    stand = await new_stand(uow_provider)
    window_visitor = await new_visitor(uow_provider, stand)
    password_visitor = await new_visitor(uow_provider, stand)
    station_id, later = stand.station_id, AT + 10 * MINUTE
    async with uow_provider() as uow:
        visitors = uow.visitors

        async def possible(now: datetime, since: datetime) -> bool:
            view = await uow.tokens.member_view("ANY-CARD", station_id, now, since)
            return view.visits_possible

        assert not await possible(AT, AT)
        await visitors.open_window(window_visitor.visitor_id, stand, AT, AT + MINUTE)
        assert await possible(AT, AT)
        assert not await possible(later, AT)
        await visitors.touch_open_window(station_id, 1, "CARD", AT + MINUTE / 2)
        assert await possible(later, AT)
        assert not await possible(later, AT + MINUTE)
        await uow.visitor_passwords.add(
            IssuedPassword(password_visitor.visitor_id, station_id, "hash", AT, later + MINUTE)
        )
        assert await possible(later, AT + MINUTE)


async def test_a_password_authorizes_until_consumed_or_expired(uow_provider: Provider) -> None:
    """A live code is in use and authorizes; consumed or expired it no longer does."""
    stand = await new_stand(uow_provider)
    visitor = await new_visitor(uow_provider, stand)
    station_id, expires = stand.station_id, AT + 30 * MINUTE
    async with uow_provider() as uow:
        passwords = uow.visitor_passwords
        await passwords.add(IssuedPassword(visitor.visitor_id, station_id, "h1", AT, expires))
        assert await passwords.in_use(station_id, "h1", AT)
        assert not await passwords.in_use(station_id, "h1", expires)
        assert not await passwords.in_use(station_id, "h2", AT)
        assert await passwords.use(station_id, "h1", AT - MINUTE, consume=False) is None
        assert await passwords.use(station_id, "h1", expires, consume=False) is None
        assert await passwords.use(station_id, "h1", AT, consume=False) == visitor.visitor_id
        assert await passwords.use(station_id, "h1", AT, consume=True) == visitor.visitor_id
        assert not await passwords.in_use(station_id, "h1", AT)
        assert await passwords.use(station_id, "h1", AT, consume=True) is None
