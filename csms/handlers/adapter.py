"""What every version adapter shares: its services, boot, heartbeat, status, station events."""

from __future__ import annotations

import copy
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from csms.charging.lifecycle import ChargingLifecycle
from csms.charging.meter_values import MeterValues
from csms.charging.price_display import PriceDisplay
from csms.clock import Clock, SystemClock
from csms.handlers.routing import Handler, on
from csms.handlers.wire.codec import format_timestamp, parse_timestamp
from csms.reservations.reconcile import ReservationReconciler
from csms.settlement.models import MeterSample
from csms.smart_charging.profiles import ProfileService
from csms.station_commands.local_lists import LocalListService
from csms.stations import commands as station_cmd
from csms.stations.service import StationService

AfterReply = Callable[[Callable[[], Coroutine[Any, Any, Any]]], None]


def handles(action: str) -> Callable[[Handler], Handler]:
    """``@on(action)``: the connection gives the handler its payload as snake_case keyword
    arguments made safe to store (``wire.guard.handler_arguments``: NUL and unpaired
    surrogates, integers out of range), in one walk over the payload."""
    return on(action)


@dataclass(frozen=True)
class AdapterServices:
    """The core services every connection's adapter calls."""

    stations: StationService
    lifecycle: ChargingLifecycle
    meter_values: MeterValues
    local_lists: LocalListService | None = None
    clock: Clock = field(default_factory=SystemClock)
    reservations: ReservationReconciler | None = None
    prices: PriceDisplay | None = None
    profiles: ProfileService | None = None


class StationAdapter:
    """Base of ``ChargePointV16`` and ``ChargePointV201``: one instance per connection."""

    version: ClassVar[str]  # the OCPP version as the core records it, "1.6" or "2.0.1"
    heartbeat_answer: ClassVar[Callable[..., Any]]  # the version's call_result.Heartbeat

    def __init__(self, station_id: str, services: AdapterServices) -> None:
        self.station_id = station_id
        self._stations = services.stations
        self._lifecycle = services.lifecycle
        self._meter_values = services.meter_values
        self._clock = services.clock
        self._local_lists = services.local_lists
        self._reservations = services.reservations
        self._prices = services.prices
        self._profiles = services.profiles
        self.after_reply: AfterReply | None = None
        self._check_interrupted_until: datetime | None = None

    async def _boot(
        self,
        vendor: str,
        model: str,
        serial_number: str | None,
        firmware_version: str | None,
        reason: str | None = None,
    ) -> station_cmd.StationBooted:
        """Record the boot; once it is answered, bring the station's local list up to date.
        Sessions the server holds open for a restarted station are marked interrupt pending
        (``charging.interruptions``; ``reason``: the 2.0.1 boot reason)."""
        booted = await self._stations.boot(
            station_cmd.BootStation(
                station_id=self.station_id,
                ocpp_version=self.version,
                vendor=vendor,
                model=model,
                serial_number=serial_number,
                firmware_version=firmware_version,
                received_at=self._clock.now(),
            )
        )
        if self._local_lists is not None and self.after_reply is not None:
            local_lists = self._local_lists
            self.after_reply(lambda: local_lists.sync_station(self.station_id))
        if self._profiles is not None and self.after_reply is not None:  # sent once connected
            profiles = self._profiles
            self.after_reply(lambda: profiles.send_pending(self.station_id))
        interruptions = self._lifecycle.interruptions
        if await interruptions.station_booted(self.station_id, reason):
            grace = timedelta(seconds=interruptions.grace_s)
            self._check_interrupted_until = self._clock.now() + grace
        return booted

    async def _end_interrupted(self) -> None:
        """After a boot that marked sessions: at each Heartbeat and StatusNotification, end
        those past the grace period that nothing was heard of (one check after it, then none)."""
        until = self._check_interrupted_until
        if until is None:
            return
        await self._lifecycle.interruptions.end_interrupted(self.station_id)
        if self._clock.now() >= until:
            self._check_interrupted_until = None

    @handles("Heartbeat")
    async def on_heartbeat(self, **_: Any) -> Any:
        """Heartbeat (1.6 §4.6, 2.0.1 G02): noted, answered with the current time."""
        await self._stations.heartbeat(self.station_id)
        await self._end_interrupted()
        return self.heartbeat_answer(current_time=format_timestamp(self._clock.now()))

    async def _status(
        self, evse_id: int, connector_id: int, status: str, error_code: str | None, at: str | None
    ) -> None:
        """Record a connector's status; without a time it is the time of receipt."""
        await self._stations.record_status(
            station_cmd.RecordStatus(
                station_id=self.station_id,
                evse_id=evse_id,
                connector_id=connector_id,
                status=status,
                error_code=error_code,
                timestamp=parse_timestamp(at) if at else self._clock.now(),
            )
        )
        await self._end_interrupted()
        if status == "Reserved" and self._reservations is not None and self.after_reply:
            reconciler, station_id = self._reservations, self.station_id
            self.after_reply(lambda: reconciler.station_reports_reserved(station_id, evse_id))

    def _show_running_cost(self, transaction_id: str, samples: Sequence[MeterSample]) -> None:
        """The running cost on the screen, when due (2.0.1 CostUpdated, 1.6 costmsg), from the
        message's own samples where they carry the register."""
        prices = self._prices
        if prices is not None and prices.running_cost_due(self.station_id, transaction_id):
            station_id, version = self.station_id, self.version
            self._show_price(lambda p: p.charging(station_id, version, transaction_id, samples))

    def _show_price(self, job: Callable[[PriceDisplay], Coroutine[Any, Any, Any]]) -> None:
        """Once the station's message is answered, update the price on its screen."""
        prices = self._prices
        if prices is not None and self.after_reply is not None:
            self.after_reply(lambda: job(prices))

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


def keeps(
    action: str,
    answer: Callable[[], Any],
    *fields: str,
    occurred_at: str | None = None,
    **defaults: Any,
) -> Handler:
    """The ``@on(action)`` handler of a notification that is only kept as a station event.

    The event's payload is ``fields`` as sent, then ``defaults`` as sent or else a copy of
    their default; ``occurred_at`` names the field that says when it happened. The answer
    is ``answer()``.
    """

    async def keep(self: StationAdapter, **sent: Any) -> Any:
        payload = {name: sent[name] for name in fields}
        for name, default in defaults.items():
            payload[name] = sent[name] if name in sent else copy.copy(default)
        await self._record(action, sent[occurred_at] if occurred_at else None, **payload)
        return answer()

    return handles(action)(keep)
