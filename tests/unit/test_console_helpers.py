"""The console's pure parts: the chart survives signed and unreadable samples, the next page
keeps the API's cursor and the filters, the language switch never leaves the site, and a
visit's state as its page shows it (seed 000)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from starlette.requests import Request

from csms.authorization.ports import VisitProgress
from csms.authorization.visitors import _state_of
from csms.console.charts import chart_svg, series_of
from csms.console.links import back_to, next_page

T = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)


def _sample(minutes: int, value: str | None, measurand: str) -> dict[str, object]:
    return {
        "sampled_at": (T + timedelta(minutes=minutes)).isoformat(),
        "measurand": measurand,
        "value": value,
        "unit": "Wh",
        "multiplier": 0,
        "phase": None,
    }


def test_the_chart_skips_samples_without_a_value() -> None:
    register = "Energy.Active.Import.Register"
    samples = [
        _sample(0, "1000", register),
        _sample(10, None, register),  # a signed sample: its value is in the signed record
        _sample(20, "NaN", register),
        _sample(30, "4000", register),
    ]
    power, energy = series_of(samples, "1000")
    assert [kwh for _, kwh in energy.points] == [Decimal(0), Decimal(3)]
    assert [kw for _, kw in power.points] == [Decimal(6)]  # 3 kWh in half an hour
    assert "<polyline" in chart_svg(power, energy, ("kW", "kWh"))
    assert chart_svg(*series_of([], None), ("kW", "kWh")) == ""


def test_the_next_page_keeps_the_cursor_and_the_filters() -> None:
    link = next_page("/api/sessions?station_id=A&cursor=abc%3D&limit=50", {"station_id": "A"})
    assert link == "/console/sessions?station_id=A&cursor=abc%3D"
    assert next_page(None, {}) is None


def _request(referer: str) -> Request:
    headers = [(b"host", b"console.example"), (b"referer", referer.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_the_language_switch_returns_only_to_this_site() -> None:
    assert back_to(_request("http://console.example/console/sessions?state=active")) == (
        "/console/sessions?state=active"
    )
    assert back_to(_request("https://evil.example/console")) == "/console"
    assert back_to(_request("http://console.example//evil.example/")) == "/console"


def test_a_visit_s_state() -> None:
    now = T
    window = VisitProgress("S1", now + timedelta(seconds=30), None, None, None)
    assert _state_of(window, now).state == "waiting"
    assert _state_of(window, now).seconds_left == 30
    assert _state_of(window, now + timedelta(seconds=31)).state == "expired"
    touched = VisitProgress("S1", now, now, None, None)
    assert _state_of(touched, now + timedelta(minutes=5)).state == "touched"
    charging = VisitProgress("S1", now, now, "active", None)
    assert _state_of(charging, now).state == "charging"
    done = VisitProgress("S1", now, now, "completed", Decimal(264))
    assert (_state_of(done, now).state, _state_of(done, now).total) == ("completed", 264)
    password = VisitProgress("S1", None, None, None, None, now + timedelta(minutes=30))
    assert _state_of(password, now).state == "password"
    assert _state_of(password, now + timedelta(minutes=31)).state == "expired"
