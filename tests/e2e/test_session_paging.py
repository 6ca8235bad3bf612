"""GET /api/sessions pages by a keyset cursor: every session exactly once while new ones come.

Sessions are written straight into the database (the list reads only rows), each test on
stations of its own.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from csms.access.models import Role
from csms.bootstrap import CentralSystem
from tests.conftest import unique
from tests.e2e.conftest import api_client
from tests.e2e.session_rows import add_session, add_station

BASE = datetime(2030, 5, 1, 0, 0, tzinfo=UTC)


async def _pages(api: httpx.AsyncClient, first: str, between: object = None) -> list[list[str]]:
    """Every page's session ids, following ``next``; ``between()`` runs after each page."""
    pages: list[list[str]] = []
    link: str | None = first
    while link is not None:
        answer = await api.get(link)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append([session["session_id"] for session in body["sessions"]])
        link = body["next"]
        if between is not None and link is not None:
            await between()  # type: ignore[operator]
    return pages


async def test_paging_lists_every_session_once_while_new_ones_arrive(
    central_system: CentralSystem, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    station = unique("PAGE")
    await add_station(db, station, None)
    times = [BASE + timedelta(minutes=i // 3) for i in range(23)]  # three share each minute
    existing = {str(await add_session(db, station, at)) for at in times}
    added: list[str] = []

    late: list[str] = []

    async def newcomers() -> None:  # a new session, and one reported late (an offline start)
        newer = BASE + timedelta(days=1, seconds=len(added))
        added.append(str(await add_session(db, station, newer)))
        offline = BASE - timedelta(days=1, seconds=len(late))
        late.append(str(await add_session(db, station, offline)))

    pages = await _pages(api, f"/api/sessions?station_id={station}&limit=4", newcomers)
    listed = [session for page in pages for session in page]
    assert len(listed) == len(set(listed)), "a session was listed twice"
    assert existing <= set(listed), "a session was skipped"
    assert set(listed) - existing == set(late)  # behind the cursor: listed, once
    assert not set(added) & set(listed)  # newer than the first page: not in this walk
    assert [len(page) for page in pages[:-1]] == [4] * (len(pages) - 1)


async def test_the_list_is_newest_first_and_the_last_page_has_no_next(
    central_system: CentralSystem, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    station = unique("PAGE")
    await add_station(db, station, None)
    for i in range(3):
        await add_session(db, station, BASE + timedelta(hours=i))
    body = (await api.get("/api/sessions", params={"station_id": station, "limit": 3})).json()
    started = [session["started_at"] for session in body["sessions"]]
    assert started == sorted(started, reverse=True)
    assert body["next"] is None
    first = (await api.get("/api/sessions", params={"station_id": station, "limit": 2})).json()
    assert first["next"].startswith("/api/sessions?")
    assert "station_id=" in first["next"]
    assert "limit=2" in first["next"]


async def test_filters_by_card_state_and_time(
    central_system: CentralSystem, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    station = unique("FILT")
    await add_station(db, station, None)
    card = unique("C")[:20]
    early = await add_session(db, station, BASE, id_token=card)
    late = await add_session(db, station, BASE + timedelta(days=1), id_token=card)
    active = await add_session(db, station, BASE + timedelta(days=2), state="active")

    async def ids(**params: str) -> list[str]:
        answer = await api.get("/api/sessions", params={"station_id": station, **params})
        assert answer.status_code == 200, answer.text
        return [s["session_id"] for s in answer.json()["sessions"]]

    assert await ids(id_token=card) == [str(late), str(early)]
    assert await ids(state="active") == [str(active)]
    window = {"from": BASE.isoformat(), "to": (BASE + timedelta(days=1)).isoformat()}
    assert await ids(**window) == [str(early)]  # from inclusive, to exclusive
    # a "+" the client left unencoded arrives as a space: still read as the offset
    spaced = await api.get(f"/api/sessions?station_id={station}&from=2030-05-01T09:00:00+09:00")
    assert [s["session_id"] for s in spaced.json()["sessions"]] == [
        str(active),
        str(late),
        str(early),
    ]


async def test_bad_cursor_limit_and_times_are_400_invalid_request(
    central_system: CentralSystem, api: httpx.AsyncClient
) -> None:
    forged = base64.urlsafe_b64encode(b'["yesterday", "x"]').decode()
    too_early = f'["0001-01-01T00:00:00+14:00", "{uuid.uuid4()}"]'
    for query in (
        {"cursor": "not base64!"},
        {"cursor": forged},
        {"cursor": base64.urlsafe_b64encode(too_early.encode()).decode()},
        {"cursor": base64.urlsafe_b64encode(b'{"a": 1}').decode()},
        {"cursor": base64.urlsafe_b64encode(b'["2026-01-01T00:00+00:00", 5]').decode()},
        {"cursor": base64.urlsafe_b64encode(b'["2026-01-01T00:00+00:00", [1]]').decode()},
        {"limit": "1001"},
        {"limit": "0"},
        {"from": "2030-05-01T00:00:00"},  # no offset
        {"to": "tomorrow"},
    ):
        answer = await api.get("/api/sessions", params=query)
        assert answer.status_code == 400, (query, answer.text)
        assert answer.json()["code"] == "invalid_request"


async def test_tenancy_operator_keys_see_their_own_and_admins_filter_by_operator(
    central_system: CentralSystem, db: asyncpg.Connection, api: httpx.AsyncClient
) -> None:
    ours, theirs = unique("OPA"), unique("OPB")
    station_a, station_b = unique("TEN-A"), unique("TEN-B")
    await add_station(db, station_a, ours)
    await add_station(db, station_b, theirs)
    mine = await add_session(db, station_a, BASE)
    other = await add_session(db, station_b, BASE)
    params = {"from": BASE.isoformat(), "to": (BASE + timedelta(seconds=1)).isoformat()}

    async def ids(client: httpx.AsyncClient, **more: str) -> set[str]:
        answer = await client.get("/api/sessions", params={**params, **more, "limit": "1000"})
        assert answer.status_code == 200, answer.text
        return {s["session_id"] for s in answer.json()["sessions"]}

    assert await ids(api, operator_id=ours) == {str(mine)}
    assert {str(mine), str(other)} <= await ids(api)
    async with api_client(central_system, Role.OPERATOR, ours) as operator:
        seen = await ids(operator)
        assert str(mine) in seen
        assert str(other) not in seen
        assert await ids(operator, operator_id=theirs) == set()
    async with api_client(central_system, Role.VIEWER, ours) as viewer:
        listed = (await viewer.get("/api/sessions", params={"station_id": station_a})).json()
    assert listed["sessions"][0]["id_token"] == "CARD********89"
    assert uuid.UUID(listed["sessions"][0]["session_id"]) == mine
