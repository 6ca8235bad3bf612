"""The public visitor listener over real sockets: its own port, rate limits, one open touch
window per stand, and the same answer for an unknown stand as for a busy one (seed 000: a
visitor registers at a stand, then touches any FeliCa card within 60 s).

Rows are made through the core services (not the operator API, which needs a key). The
server's clock is fixed; the rate limits run on real time. Requests come from several
loopback addresses (127.0.0.2, ...: a client socket bound there) to count per address.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from pydantic import ValidationError

from csms.administration.service import AdminService
from csms.authorization.models import Stand
from csms.authorization.visitors import StandBusy, VisitorService
from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from csms.settings import Settings
from csms.storage.unit_of_work import PostgresUnitOfWorkProvider
from tests.conftest import unique
from tests.e2e.conftest import make_settings

T0 = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)
CANNOT_TAKE = {
    "error": "this stand cannot take a registration now; try again in a minute",
    "code": "conflict",
}
FORM = {"name": "Hanako Yamada", "email": "hanako@example.jp", "payment_reference": "pay_7f3a"}


class Public:
    """A central system on a fixed clock, one station of it, and clients of its public port."""

    def __init__(self, system: CentralSystem, clock: FixedClock, station_id: str) -> None:
        self.system = system
        self.clock = clock
        self.station_id = station_id
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._evses = 0

    @property
    def admin(self) -> AdminService:
        assert self.system.admin is not None
        return self.system.admin

    async def stand(self, *, passwords: bool = False) -> str:
        stand_id = unique("SID")
        self._evses += 1  # one stand per EVSE
        await self.admin.add_stand(
            Stand(stand_id, self.station_id, self._evses, uses_passwords=passwords)
        )
        return stand_id

    def client(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        """A client of the public port whose socket is bound to ``address`` (127.x.y.z)."""
        if address not in self._clients:
            self._clients[address] = httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{self.system.public_port}",
                transport=httpx.AsyncHTTPTransport(local_address=address),
                timeout=10,
            )
        return self._clients[address]

    async def register(
        self, stand_id: str, *, address: str = "127.0.0.1", **extra: Any
    ) -> httpx.Response:
        return await self.client(address).post(
            f"/public/stands/{stand_id}/visits", json={**FORM, **extra}
        )

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()


OpenPublic = Callable[..., AbstractAsyncContextManager[Public]]


@pytest.fixture
def open_public(migrated_dsn: str) -> OpenPublic:
    """``async with open_public(public_rate_per_stand=...) as public:`` with one station."""

    @asynccontextmanager
    async def opened(**overrides: object) -> AsyncIterator[Public]:
        clock = FixedClock(T0)
        values: dict[str, object] = {
            "public_host": "127.0.0.1",
            "public_port": 0,
            "public_rate_per_address": "1000/minute",
            "public_rate_per_stand": "1000/minute",
            **overrides,
        }
        async with CentralSystem(make_settings(migrated_dsn, **values), clock=clock) as system:
            assert system.admin is not None
            station_id = unique("PUB")
            await system.admin.add_station(station_id)
            public = Public(system, clock, station_id)
            try:
                yield public
            finally:
                await public.close()

    return opened


def retry_after(response: httpx.Response) -> int:
    value = int(response.headers["Retry-After"])
    assert 1 <= value <= 60, value
    return value


async def windows(db: asyncpg.Connection, stand_id: str) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            "SELECT visitor_id, opened_at, closes_at, touched_at FROM touch_windows"
            " WHERE stand_id = $1 ORDER BY opened_at",
            stand_id,
        )
    )


async def test_a_visitor_at_a_free_stand_gets_the_window_or_a_password(
    open_public: OpenPublic, db: asyncpg.Connection
) -> None:
    """201 with the VisitRegistered fields: the window's end, or a one-time password."""
    async with open_public() as public:
        stand_id = await public.stand()
        response = await public.register(stand_id, notify=True)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["stand_id"] == stand_id
        assert body["window_closes_at"] == (T0 + timedelta(seconds=60)).isoformat()
        assert body["password"] is None
        [window] = await windows(db, stand_id)
        assert str(window["visitor_id"]) == body["visitor_id"]
        assert window["closes_at"] == T0 + timedelta(seconds=60)

        keypad = await public.stand(passwords=True)
        issued = await public.register(keypad)
        assert issued.status_code == 201, issued.text
        assert len(issued.json()["password"]) == 6
        assert issued.json()["window_closes_at"] is None


async def test_over_the_address_limit_is_429_with_retry_after(open_public: OpenPublic) -> None:
    """The 4th request a minute from one address is refused, whatever X-Forwarded-For says."""
    async with open_public(public_rate_per_address="3/minute") as public:
        stand_id = await public.stand()
        assert (await public.register(stand_id)).status_code == 201
        assert (await public.register(stand_id)).status_code == 409  # busy: still counted
        assert (await public.register(unique("NOSUCH"))).status_code == 409  # unknown: too
        refused = await public.register(await public.stand())
        assert refused.status_code == 429, refused.text
        wait_s = retry_after(refused)
        assert wait_s >= 59  # the first of the three was a moment ago
        assert refused.json() == {
            "error": f"too many requests; try again in {wait_s} s",
            "code": "too_many_requests",
        }
        spoofed = await public.client().post(
            f"/public/stands/{stand_id}/visits",
            json=FORM,
            headers={"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7"},
        )
        assert spoofed.status_code == 429  # a header does not make a new address
        other = await public.register(await public.stand(), address="127.0.0.2")
        assert other.status_code == 201, other.text  # the limit is this address's only


async def test_over_the_stand_limit_from_many_addresses_is_429(
    open_public: OpenPublic, db: asyncpg.Connection
) -> None:
    """Many addresses together cannot keep one stand busy past its own limit."""
    async with open_public(public_rate_per_stand="3/minute") as public:
        stand_id = await public.stand()
        assert (await public.register(stand_id, address="127.0.0.2")).status_code == 201
        assert (await public.register(stand_id, address="127.0.0.3")).status_code == 409
        assert (await public.register(stand_id, address="127.0.0.4")).status_code == 409
        refused = await public.register(stand_id, address="127.0.0.5")
        assert refused.status_code == 429, refused.text
        wait_s = retry_after(refused)
        assert refused.json() == {
            "error": f"too many requests; try again in {wait_s} s",
            "code": "too_many_requests",
        }
        assert len(await windows(db, stand_id)) == 1
        elsewhere = await public.register(await public.stand(), address="127.0.0.5")
        assert elsewhere.status_code == 201, elsewhere.text  # another stand's own budget


async def test_a_request_the_address_limit_refuses_does_not_use_the_stand_budget(
    open_public: OpenPublic,
) -> None:
    """One flooding address cannot use up a stand's budget for everybody else."""
    async with open_public(
        public_rate_per_address="2/minute", public_rate_per_stand="3/minute"
    ) as public:
        stand_id = unique("NOSUCH")  # no window opens: every answer below is a limit's
        flooder = [await public.register(stand_id, address="127.0.0.6") for _ in range(6)]
        assert [r.status_code for r in flooder] == [409, 409, 429, 429, 429, 429]
        third = await public.register(stand_id, address="127.0.0.7")
        assert third.status_code == 409, third.text  # the stand's 3rd: 4 refusals not counted
        fourth = await public.register(stand_id, address="127.0.0.8")
        assert fourth.status_code == 429, fourth.text
        retry_after(fourth)


async def test_a_second_visitor_cannot_extend_or_replace_the_open_window(
    open_public: OpenPublic, db: asyncpg.Connection
) -> None:
    """409 while the window is open; the first visitor's window end stays as it was."""
    async with open_public() as public:
        stand_id = await public.stand()
        first = await public.register(stand_id)
        assert first.status_code == 201, first.text
        [before] = await windows(db, stand_id)
        public.clock.advance(20)
        for name in ("Jiro", "Hanako Yamada"):  # another visitor, or the same one again
            second = await public.register(stand_id, address="127.0.0.9", name=name)
            assert second.status_code == 409, second.text
            assert second.json() == CANNOT_TAKE
            assert second.headers["Retry-After"] == "60"  # as for an unknown stand
        assert await windows(db, stand_id) == [before]
        assert before["closes_at"] == T0 + timedelta(seconds=60)
        assert str(before["visitor_id"]) == first.json()["visitor_id"]
        assert await db.fetchval("SELECT count(*) FROM visitors WHERE stand_id = $1", stand_id) == 1
        public.clock.advance(40)  # the window has closed: the stand is free again
        again = await public.register(stand_id, address="127.0.0.9", name="Jiro")
        assert again.status_code == 201, again.text
        assert [w["closes_at"] for w in await windows(db, stand_id)] == [
            T0 + timedelta(seconds=60),
            T0 + timedelta(seconds=120),
        ]


async def test_concurrent_registrations_open_one_window(
    open_public: OpenPublic, db: asyncpg.Connection
) -> None:
    """Eight visitors at once at one stand: one window, seven refusals."""
    async with open_public() as public:
        stand_id = await public.stand()
        answers = await asyncio.gather(
            *(public.register(stand_id, address=f"127.0.1.{n}") for n in range(1, 9))
        )
        assert sorted(r.status_code for r in answers) == [201] + [409] * 7
        [window] = await windows(db, stand_id)
        [won] = [r for r in answers if r.status_code == 201]
        assert str(window["visitor_id"]) == won.json()["visitor_id"]


async def test_a_registration_that_read_the_clock_first_but_locked_last_is_refused(
    open_public: OpenPublic, db: asyncpg.Connection
) -> None:
    """The race: B reads its clock, A registers (a moment later by its clock), then B goes
    on with its earlier time. A's window counts for B although it opened after B's now."""
    async with open_public() as public:
        stand_id = await public.stand()
        assert public.system.database is not None
        pool = public.system.database.pool

        def service(at: datetime) -> VisitorService:
            provider = PostgresUnitOfWorkProvider(pool)
            return VisitorService(provider, FixedClock(at), password_ttl=timedelta(minutes=30))

        first = await service(T0 + timedelta(milliseconds=1)).register(
            stand_id, "A", "a@example.jp", "pay_a", notify=False
        )
        with pytest.raises(StandBusy) as busy:
            await service(T0).register(stand_id, "B", "b@example.jp", "pay_b", notify=False)
        assert busy.value.wait_s == 61  # 60.001 s until A's window closes, by B's clock
        [window] = await windows(db, stand_id)
        assert window["visitor_id"] == first.visitor_id


async def test_an_unknown_stand_is_answered_like_a_busy_one(open_public: OpenPublic) -> None:
    """Same status, body and headers: nothing tells a stand that exists from one that does
    not. Bad input stays a 400 with its message at either."""
    async with open_public() as public:
        stand_id = await public.stand()
        assert (await public.register(stand_id)).status_code == 201
        busy = await public.register(stand_id, address="127.0.0.10")  # the window just opened
        unknown = await public.register(unique("SID"), address="127.0.0.10")
        for response in (busy, unknown):
            assert response.status_code == 409, response.text
            assert response.json() == CANNOT_TAKE
        assert busy.content == unknown.content
        assert sorted(busy.headers.keys()) == sorted(unknown.headers.keys())
        assert "retry-after" in busy.headers
        assert "server" not in busy.headers
        assert busy.headers["Retry-After"] == unknown.headers["Retry-After"] == "60"
        for target in (stand_id, unique("SID")):
            bad = await public.register(target, address="127.0.0.10", email="not-an-address")
            assert bad.status_code == 400
            assert bad.json() == {"error": "email: not an e-mail address", "code": "invalid_input"}
            missing = await public.client("127.0.0.10").post(
                f"/public/stands/{target}/visits", json={"name": "X"}
            )
            assert missing.status_code == 400
            assert missing.json() == {
                "error": "bad request: email must be a non-empty string",
                "code": "invalid_body",
            }


async def test_the_public_port_serves_the_visitor_route_only(open_public: OpenPublic) -> None:
    """The visitor route is not on the operator port; the operator routes are not public."""
    async with (
        open_public() as public,
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{public.system.api_port}", timeout=10
        ) as operator_api,
    ):
        assert public.system.public_port != public.system.api_port
        stand_id = await public.stand()
        on_api = await operator_api.post(f"/public/stands/{stand_id}/visits", json=FORM)
        assert on_api.status_code == 404, on_api.text
        client = public.client()
        for path in ("/api/sessions", "/api/stations", "/metrics", "/health", "/"):
            answer = await client.get(path)
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json() == {"error": "Not Found", "code": "no_such_route"}
        assert (await client.post("/api/stands", json={"stand_id": "X"})).status_code == 404
        wrong_method = await client.get(f"/public/stands/{stand_id}/visits")
        assert wrong_method.status_code == 405
        assert wrong_method.json() == {"error": "Method Not Allowed", "code": "method_not_allowed"}
        assert wrong_method.headers["Allow"] == "POST"
        too_big = await client.post(
            f"/public/stands/{stand_id}/visits", json={**FORM, "name": "x" * 5000}
        )
        assert too_big.status_code == 413
        assert too_big.json() == {"error": "request body too large", "code": "too_large"}
        form_post = await client.post(
            f"/public/stands/{stand_id}/visits",
            content="name=X&email=x@example.jp",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form_post.status_code == 415  # a cross-site page's form cannot register
        assert (await public.register(stand_id)).status_code == 201  # and it does serve that


@pytest.mark.parametrize("rate", ["ten a minute", "0/minute", "10/minute;100/hour", ""])
def test_a_bad_rate_is_a_settings_error(rate: str) -> None:
    with pytest.raises(ValidationError, match="public_rate_per_stand"):
        Settings(public_rate_per_stand=rate)
    assert Settings().public_rate_per_address == "10/minute"
    assert Settings().public_rate_per_stand == "6/minute"
    assert Settings().public_port == 8081
