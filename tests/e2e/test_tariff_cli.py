"""``csms tariff list|show|import|assign`` and ``csms quote --stored`` on the server's
database (subprocesses with --database-url); a running server sees the CLI's change."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from csms.bootstrap import CentralSystem
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings


@pytest.fixture
async def watched_system(migrated_dsn: str) -> AsyncIterator[CentralSystem]:
    async with CentralSystem(make_settings(migrated_dsn, tariff_refresh_s=0.2)) as system:
        yield system


def csms(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSMS_LOG_FORMAT": "json"}
    return subprocess.run(
        [sys.executable, "-m", "csms", "--database-url", dsn, *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def tariff_file(folder: Path, tariff_id: str, price: str) -> Path:
    document: dict[str, Any] = {
        "id": tariff_id,
        "name": "CLI flat",
        "versions": [
            {"version": "2025", "valid_from": "2025-01-01", "valid_to": None,
             "components": [{"type": "flat", "price": price}]}
        ],
    }  # fmt: skip
    path = folder / f"{tariff_id}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


async def _applies(api: httpx.AsyncClient, station_id: str, expected: Any) -> Any:
    for _ in range(50):
        body = (await api.get(f"/api/stations/{station_id}/tariff")).json()
        if body["applies"] == expected:
            return body
        await asyncio.sleep(0.1)
    return body


async def test_the_cli_imports_lists_assigns_and_quotes(
    watched_system: CentralSystem, migrated_dsn: str, tmp_path: Path
) -> None:
    tariff_id, station_id = unique("cli-flat"), unique("CLI-CP")
    assert watched_system.admin is not None
    await watched_system.admin.add_station(station_id, "a-station-key-of-24-b!")
    path = tariff_file(tmp_path, tariff_id, "330")
    imported = await asyncio.to_thread(csms, migrated_dsn, "tariff", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert "created ['2025']" in imported.stdout
    listed = await asyncio.to_thread(csms, migrated_dsn, "tariff", "list")
    assert tariff_id in [t["id"] for t in json.loads(listed.stdout)]
    shown = await asyncio.to_thread(csms, migrated_dsn, "tariff", "show", tariff_id)
    assert json.loads(shown.stdout)["versions"][0]["components"][0]["price"] == "330"

    assigned = await asyncio.to_thread(
        csms, migrated_dsn, "tariff", "assign", tariff_id, "--station", station_id
    )
    assert assigned.returncode == 0, assigned.stderr
    async with api_client(watched_system) as api:  # the server's catalog follows, no restart
        body = await _applies(api, station_id, {"tariff_id": tariff_id, "level": "station"})
        assert body["applies"] == {"tariff_id": tariff_id, "level": "station"}

    quote = await asyncio.to_thread(
        csms, migrated_dsn, "quote", "--station", station_id, "--start",
        "2025-02-10T10:00:00+09:00", "--stop", "2025-02-10T10:30:00+09:00", "--energy-wh", "5000",
    )  # fmt: skip
    assert quote.returncode == 0, quote.stderr
    assert json.loads(quote.stdout)["total"] == "330"
    early = await asyncio.to_thread(
        csms, migrated_dsn, "quote", "--tariff", tariff_id, "--start",
        "2024-02-10T10:00:00+09:00", "--stop", "2024-02-10T10:30:00+09:00", "--energy-wh", "1",
    )  # fmt: skip
    assert early.returncode == 2, early.stderr
    unknown = await asyncio.to_thread(
        csms, migrated_dsn, "tariff", "assign", "no-such-tariff", "--station", station_id
    )
    assert unknown.returncode == 1
    assert "unknown tariff" in unknown.stderr
