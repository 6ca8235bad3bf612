"""Handshake rules (path, subprotocol, admission) and the Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.conftest import unique


async def test_station_offering_no_ocpp_subprotocol_is_closed(
    ws_url: str, db: asyncpg.Connection
) -> None:
    """No common subprotocol: handshake without Sec-WebSocket-Protocol, then closed (1002);
    even in development mode such a station is not registered."""
    station_id = unique("NOPROTO")
    async with websockets.connect(f"{ws_url}/{station_id}", subprotocols=["ocpp1.5"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol is None
        async with asyncio.timeout(5):
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1002
    assert await db.fetchval("SELECT count(*) FROM stations WHERE station_id = $1", station_id) == 0


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["ocpp1.6"], "ocpp1.6"),
        (["ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1"),
    ],
)
async def test_subprotocol_negotiation(offered: list[str], chosen: str, ws_url: str) -> None:
    """Both versions share one endpoint; 2.0.1 is preferred when both are offered."""
    async with websockets.connect(f"{ws_url}/{unique('NEG')}", subprotocols=offered) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol == chosen


async def test_wrong_path_is_refused_with_404(ws_url: str) -> None:
    """Only /ocpp/{station_id} is a station endpoint."""
    base = ws_url.removesuffix("/ocpp")
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(f"{base}/somewhere/else", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    assert refused.value.response.status_code == 404


async def test_metrics_show_connections_messages_and_durations(
    connect_station: Any, api: httpx.AsyncClient
) -> None:
    """/metrics has connected stations, messages by action and outcome, and a histogram."""
    station = await connect_station("2.0.1")
    await station.heartbeat()
    await station.client.send_raw('[2, "x", "MakeCoffee", {}]')
    async with asyncio.timeout(5):
        await station.client.raw_answers.get()
    text = (await api.get("/metrics")).text
    assert 'csms_connected_stations{version="2.0.1"}' in text
    assert 'csms_ocpp_messages_total{action="Heartbeat",outcome="ok",version="2.0.1"}' in text
    assert (
        'csms_ocpp_messages_total{action="unknown",outcome="NotImplemented",'
        'version="2.0.1"}' in text
    )
    assert 'csms_ocpp_message_duration_seconds_bucket{action="BootNotification"' in text
    assert station.station_id not in text  # no station ids as labels
