"""What every version adapter shares: its services, its clock, and keeping station events."""

from __future__ import annotations

from typing import Any

from csms.core import commands
from csms.core.clock import SystemClock
from csms.core.ports import Clock
from csms.core.sessions import SessionService
from csms.core.stations import StationService
from csms.handlers.timestamps import parse_timestamp


class StationAdapter:
    """Base of ``ChargePointV16`` and ``ChargePointV201``: one instance per connection."""

    def __init__(
        self,
        station_id: str,
        stations: StationService,
        sessions: SessionService,
        clock: Clock | None = None,
    ) -> None:
        self.station_id = station_id
        self._stations = stations
        self._sessions = sessions
        self._clock = clock or SystemClock()

    async def _record(self, kind: str, occurred_at: str | None, **payload: Any) -> None:
        """Keep a notification the operator may need (firmware, diagnostics, events, ...)."""
        await self._stations.record_event(
            commands.RecordStationEvent(
                station_id=self.station_id,
                kind=kind,
                occurred_at=parse_timestamp(occurred_at) if occurred_at else None,
                payload=payload,
            )
        )
