"""Cards, accounts, operators, stands, visitors, their windows, passwords and mail in memory."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID

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
from tests.fakes.store import (
    CheckViolation,
    InMemoryStore,
    Mail,
    OperatorRow,
    TouchWindow,
    Transaction,
    UniqueViolation,
    VisitorPassword,
    stored,
    utc,
)

_STORED_TOKEN_STATUSES = {TokenStatus.ACCEPTED, TokenStatus.BLOCKED, TokenStatus.EXPIRED}


class FakeTokenRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def get(self, id_token: str) -> TokenRecord | None:
        return self._store.tokens.get(id_token)

    async def upsert(self, record: TokenRecord) -> None:
        """Insert or replace; ``created_at`` is the first insert's."""
        if record.status not in _STORED_TOKEN_STATUSES:
            raise CheckViolation(f"a card is not stored {record.status}")
        self._tx.require(self._store.operators, record.operator_id, "operator")
        self._tx.require(self._store.accounts, record.account_id, "account")
        current = self._store.tokens.get(record.id_token)
        created_at = current.created_at if current else self._tx.now()
        kept = stored(dataclasses.replace(record, created_at=created_at))
        self._tx.put(self._store.tokens, record.id_token, kept)

    async def app_tag_of(self, account_id: str) -> str | None:
        tags = [
            t
            for t in self._store.tokens.values()
            if t.account_id == account_id and t.kind is TokenKind.CENTRAL
        ]
        return tags[0].id_token if tags else None  # an account has one Central tag

    async def member_view(
        self, id_token: str, station_id: str, now: datetime, since: datetime
    ) -> MemberView:
        token = self._store.tokens.get(id_token)
        account = self._store.accounts.get(token.account_id) if token and token.account_id else None
        station = self._store.stations.get(station_id)
        operator = station.operator_id if station else None
        return MemberView(
            token, account, operator, visits_possible(self._store, station_id, now, since)
        )


class FakeAccountRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def get(self, account_id: str) -> AccountRecord | None:
        return self._store.accounts.get(account_id)

    async def upsert(self, account: AccountRecord) -> None:
        """Insert, or change name, e-mail, status, expiry and group (never operator or use)."""
        current = self._store.accounts.get(account.account_id)
        if current is None:
            self._tx.require(self._store.operators, account.operator_id, "operator")
            created_at = account.created_at or self._tx.now()
            kept = dataclasses.replace(account, created_at=created_at)
        else:
            kept = dataclasses.replace(
                current,
                name=account.name,
                email=account.email,
                status=account.status,
                expires_at=account.expires_at,
                group_id=account.group_id,
            )
        self._tx.put(self._store.accounts, account.account_id, stored(kept))

    async def touch(self, account_id: str, at: datetime) -> None:
        current = self._store.accounts.get(account_id)
        if current is not None:
            kept = dataclasses.replace(current, last_used_at=utc(at))
            self._tx.put(self._store.accounts, account_id, kept)

    async def deactivate(self, account_id: str) -> None:
        current = self._store.accounts.get(account_id)
        if current is not None and current.status is AccountStatus.VALID:
            kept = dataclasses.replace(current, status=AccountStatus.DEACTIVATED)
            self._tx.put(self._store.accounts, account_id, kept)

    async def add_operator(self, operator_id: str, name: str) -> None:
        current = self._store.operators.get(operator_id)
        kept = (
            dataclasses.replace(current, name=name)
            if current
            else OperatorRow(operator_id, name, 0, self._tx.now())
        )
        self._tx.put(self._store.operators, operator_id, kept)


class FakeStandRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def get(self, stand_id: str) -> Stand | None:
        return self._store.stands.get(stand_id)

    async def add(self, stand: Stand) -> None:
        """Insert or replace; one stand per EVSE of a station."""
        self._tx.require(self._store.stations, stand.station_id, "station")
        for other in self._store.stands.values():
            same_evse = (other.station_id, other.evse_id) == (stand.station_id, stand.evse_id)
            if same_evse and other.stand_id != stand.stand_id:
                raise UniqueViolation(f"EVSE {stand.evse_id} already has stand {other.stand_id}")
        self._tx.put(self._store.stands, stand.stand_id, stand)


class FakeVisitorRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._store = tx.store

    async def add(self, visitor: Visitor) -> None:
        if visitor.visitor_id in self._store.visitors:
            raise UniqueViolation(f"visitor {visitor.visitor_id} exists")
        self._tx.require(self._store.stands, visitor.stand_id, "stand")
        self._tx.put(self._store.visitors, visitor.visitor_id, stored(visitor))

    async def get(self, visitor_id: UUID) -> Visitor | None:
        return self._store.visitors.get(visitor_id)

    def _open(self, window: TouchWindow, now: datetime) -> bool:
        return window.touched_at is None and window.opened_at <= now < window.closes_at

    async def open_window_at(self, stand_id: str, now: datetime) -> datetime | None:
        """When the earliest untouched window open at ``now`` at the stand closes."""
        windows = [
            w
            for w in self._store.touch_windows.values()
            if w.stand_id == stand_id and self._open(w, now)
        ]
        return min(windows, key=lambda w: w.opened_at).closes_at if windows else None

    async def open_window(
        self, visitor_id: UUID, stand: Stand, opened_at: datetime, closes_at: datetime
    ) -> None:
        if visitor_id in self._store.touch_windows:
            raise UniqueViolation(f"visitor {visitor_id} already has a window")
        self._tx.require(self._store.visitors, visitor_id, "visitor")
        self._tx.require(self._store.stands, stand.stand_id, "stand")
        window = TouchWindow(
            visitor_id, stand.stand_id, stand.station_id, stand.evse_id, opened_at, closes_at
        )
        self._tx.put(self._store.touch_windows, visitor_id, stored(window))

    async def touch_open_window(
        self, station_id: str, evse_id: int | None, id_token: str, now: datetime
    ) -> UUID | None:
        """Bind the card to the earliest window open at the station (and EVSE, if given)."""
        windows = [
            w
            for w in self._store.touch_windows.values()
            if w.station_id == station_id
            and (evse_id is None or w.evse_id == evse_id)
            and self._open(w, now)
        ]
        if not windows:
            return None
        window = min(windows, key=lambda w: w.opened_at)
        touched = dataclasses.replace(window, id_token=id_token, touched_at=utc(now))
        self._tx.put(self._store.touch_windows, window.visitor_id, touched)
        return window.visitor_id

    async def bound_window(self, station_id: str, id_token: str, since: datetime) -> UUID | None:
        windows = [
            w
            for w in self._store.touch_windows.values()
            if w.station_id == station_id
            and w.id_token == id_token
            and w.touched_at is not None
            and w.touched_at >= since
        ]
        return max(windows, key=lambda w: w.touched_at or since).visitor_id if windows else None


class FakeVisitorPasswordRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._rows = tx.store.visitor_passwords

    async def in_use(self, station_id: str, code_hash: str, now: datetime) -> bool:
        return any(
            (p.station_id, p.code_hash) == (station_id, code_hash)
            and p.consumed_at is None
            and p.expires_at > now
            for p in self._rows.values()
        )

    async def add(self, password: IssuedPassword) -> None:
        visitor_id = password.visitor_id
        if visitor_id in self._rows:
            raise UniqueViolation(f"visitor {visitor_id} already has a password")
        self._tx.require(self._tx.store.visitors, visitor_id, "visitor")
        row = VisitorPassword(**dataclasses.asdict(password))
        self._tx.put(self._rows, visitor_id, stored(row))

    async def use(
        self, station_id: str, code_hash: str, now: datetime, *, consume: bool
    ) -> UUID | None:
        """The earliest-issued live password with this code: authorized, consumed if asked."""
        live = [
            p
            for p in self._rows.values()
            if (p.station_id, p.code_hash) == (station_id, code_hash)
            and p.consumed_at is None
            and p.issued_at <= now < p.expires_at
        ]
        if not live:
            return None
        password = min(live, key=lambda p: p.issued_at)
        used = dataclasses.replace(
            password,
            authorized_at=password.authorized_at or utc(now),
            consumed_at=utc(now) if consume else password.consumed_at,
        )
        self._tx.put(self._rows, password.visitor_id, used)
        return password.visitor_id


class FakeMailOutbox:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add(self, kind: str, recipient: str, subject: str, body: str) -> None:
        store = self._tx.store
        message_id = store.next_id("outbox")
        mail = Mail(message_id, kind, recipient, subject, body, self._tx.now())
        self._tx.put(store.mail, message_id, mail)


def visits_possible(store: InMemoryStore, station_id: str, now: datetime, since: datetime) -> bool:
    """A window not yet closed or touched since ``since``, or a live password."""
    windows = any(
        w.station_id == station_id
        and (w.closes_at > now or (w.touched_at is not None and w.touched_at >= since))
        for w in store.touch_windows.values()
    )
    return windows or any(
        p.station_id == station_id and p.consumed_at is None and p.expires_at > now
        for p in store.visitor_passwords.values()
    )
