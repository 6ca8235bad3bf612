"""Tiny runs of every benchmark, to keep them working (figures are not asserted here:
speed is measured by the benchmarks themselves, see docs/performance.md)."""

from __future__ import annotations

import argparse
import shutil

import pytest

from bench import cluster, connections, floor, independent, storm, throughput


async def test_connections_benchmark_runs() -> None:
    """20 stations boot and are held; the summary has the documented fields."""
    result = await connections.run(20, ramp_per_s=100, hold_s=1, heartbeat_s=0.5)
    assert result["stations_held"] == 20
    assert result["failures"] == 0
    assert result["boot_latency_ms"]["n"] == 20
    assert result["server_rss_mb_held"] > 0


async def test_throughput_benchmark_runs_closed_and_open() -> None:
    """Sessions run in both loops; every answered message is counted per action."""
    closed = await throughput.run(6, "closed", 0, 2, 2)
    assert closed["station_errors"] == 0
    assert {"Authorize", "StartTransaction", "TransactionEvent"} <= set(closed["latency_ms"])
    opened = await throughput.run(6, "open", 60, 2, 2)
    assert opened["station_errors"] == 0
    assert opened["schedule_lag_ms"] is not None


async def test_floor_benchmark_runs() -> None:
    """The bare server and ours both answer; the ratio is reported."""
    result = await floor.run(4, 1.5, 2)
    assert result["floor_messages_per_s"] > 0
    assert result["fraction_of_floor"] > 0


async def test_cluster_benchmark_runs_three_nodes_and_kills_one() -> None:
    """3 nodes behind the balancer: sessions run, a killed node's stations all come back."""
    result = await cluster.run(3, 12, 1.5, 200)
    assert result["station_errors"] == 0
    assert result["messages_per_s"] > 0
    assert result["killed_node_stations_back"] == result["killed_node_stations"] > 0


async def test_storm_benchmark_loses_nothing() -> None:
    """SIGKILL and restart with 20 stations: all back, no session lost or duplicated."""
    result = await storm.run(20, 0.5, 20, 60)
    assert result["stations_back"] == 20
    assert result["lost_or_duplicated"] is False
    assert result["sessions_completed"] == 10


@pytest.mark.skipif(shutil.which("node") is None, reason="the independent client needs Node.js")
async def test_independent_client_benchmark_runs_strictly_against_us_and_the_floor() -> None:
    """ocpp-rpc in strict mode: every call and every answer of ours passes the OCPP JSON
    schemas of both versions (a schema violation is an error), against us and the floor."""
    args = argparse.Namespace(
        stations=4,
        versions="mix",
        mode="closed",
        rate=0,
        duration_s=2,
        meter_values=2,
        ramp_per_s=100,
        floor=True,
    )
    result = await independent.run(args)
    assert result["errors"] == {}
    assert result["floor_errors"] == {}
    assert result["connected"] == 4
    assert {"Authorize", "StartTransaction", "TransactionEvent", "MeterValues"} <= set(
        result["latency_ms"]
    )
    assert result["fraction_of_floor"] > 0
