"""What every version adapter shares: its services, its clock, and keeping station events."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from csms.charging.service import SessionService
from csms.clock import Clock, SystemClock
from csms.handlers.wire.codec import parse_timestamp
from csms.station_commands.local_lists import LocalListService
from csms.stations import commands as station_cmd
from csms.stations.service import StationService


class StationAdapter:
    """Base of ``ChargePointV16`` and ``ChargePointV201``: one instance per connection."""

    def __init__(
        self,
        station_id: str,
        stations: StationService,
        sessions: SessionService,
        clock: Clock | None = None,
        local_lists: LocalListService | None = None,
    ) -> None:
        self.station_id = station_id
        self._stations = stations
        self._sessions = sessions
        self._clock = clock or SystemClock()
        self._local_lists = local_lists
        self.after_reply: Callable[[Callable[[], Coroutine[Any, Any, Any]]], None] | None = None

    def _after_boot(self) -> None:
        """Once the boot is answered, bring the station's local list up to date."""
        if self._local_lists is None or self.after_reply is None:
            return
        local_lists = self._local_lists
        self.after_reply(lambda: local_lists.sync_station(self.station_id))

    async def _record(self, kind: str, occurred_at: str | None, **payload: Any) -> None:
        """Keep a notification the operator may need (firmware, diagnostics, events, ...)."""
        await self._stations.record_event(
            station_cmd.RecordStationEvent(
                station_id=self.station_id,
                kind=kind,
                occurred_at=parse_timestamp(occurred_at) if occurred_at else None,
                payload=payload,
            )
        )
