"""Scripted sessions: boot, status, authorize, start, meter values, stop, on a fast clock."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import zlib
from dataclasses import dataclass
from typing import Any

from simulators.dcbm import Dcbm
from simulators.station import PROFILES, SimClock, SimulatedStation, felica_idm


@dataclass(frozen=True)
class SessionSummary:
    station_id: str
    version: str
    transaction_id: str
    id_tag: str
    authorization: str
    meter_start_wh: int
    meter_stop_wh: int
    started_at: str
    stopped_at: str

    @property
    def energy_wh(self) -> int:
        return self.meter_stop_wh - self.meter_start_wh

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "energy_wh": self.energy_wh}


async def run_session(
    station: SimulatedStation,
    *,
    connector: int = 1,
    id_tag: str | None = None,
    duration_s: float = 1800,
    sample_interval_s: float = 300,
    power_w: int | None = None,
) -> SessionSummary:
    """One complete session on a connected, booted station."""
    id_tag = id_tag or felica_idm()
    await station.status(connector, "Preparing")
    authorization = await station.authorize(id_tag)
    started_at = station.clock.now()
    tx = await station.start_transaction(connector, id_tag)
    await station.status(connector, "Charging")
    elapsed = 0.0
    while elapsed < duration_s:
        step = min(sample_interval_s, duration_s - elapsed)
        await station.charge(tx, step, power_w)
        elapsed += step
        await station.meter_values(tx)
    await station.stop_transaction(tx)
    await station.status(connector, "Available")
    return SessionSummary(
        station_id=station.station_id,
        version=station.version,
        transaction_id=tx.transaction_id,
        id_tag=id_tag,
        authorization=authorization,
        meter_start_wh=tx.meter_start_wh,
        meter_stop_wh=station.register(connector),
        started_at=started_at.isoformat(),
        stopped_at=station.clock.now().isoformat(),
    )


def fit_dcbm(station: SimulatedStation) -> None:
    """Give a DC station a DCBM and print its serial and public key (stderr) to register."""
    station.dcbm = Dcbm(serial=f"SIM{zlib.crc32(station.station_id.encode()):010d}")
    key = {
        "station_id": station.station_id,
        "dcbm_serial": station.dcbm.serial,
        "public_key": station.dcbm.public_key_hex,
    }
    print(json.dumps(key), file=sys.stderr)


async def run_station(
    base_url: str,
    station_id: str,
    version: str,
    profile: str,
    *,
    sessions: int,
    duration_s: float,
    sample_interval_s: float,
    speed: float,
    id_tags: list[str] | None = None,
    dcbm: bool = False,
) -> list[SessionSummary]:
    """Connect, boot and run ``sessions`` sessions one after another."""
    station = SimulatedStation(station_id, version, PROFILES[profile], SimClock(speed=speed))
    if dcbm and station.profile.current == "DC":
        fit_dcbm(station)
    await station.connect(base_url)
    try:
        await station.boot()
        for connector in range(1, station.profile.connectors + 1):
            await station.status(connector, "Available")
        summaries = []
        for index in range(sessions):
            summaries.append(
                await run_session(
                    station,
                    connector=index % station.profile.connectors + 1,
                    id_tag=random.choice(id_tags) if id_tags else None,
                    duration_s=duration_s,
                    sample_interval_s=sample_interval_s,
                )
            )
        return summaries
    finally:
        await station.close()


async def run_many(base_url: str, count: int, **kwargs: Any) -> list[SessionSummary]:
    """Many stations at once (versions alternate unless one is given)."""
    version = kwargs.pop("version", None)
    prefix = kwargs.pop("prefix", "SIM")
    jobs = [
        run_station(base_url, f"{prefix}-{i:05d}", version or ("1.6", "2.0.1")[i % 2], **kwargs)
        for i in range(count)
    ]
    results = await asyncio.gather(*jobs)
    return [summary for station in results for summary in station]
