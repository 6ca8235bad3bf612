"""Station lifecycle: boot, heartbeat, status and reported events (admission: station_security).

OCPP 1.6 §4.2 BootNotification, §4.6 Heartbeat, §4.9 StatusNotification; 2.0.1 B01,
G01/G02, N-block notifications. Rules are version-neutral.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from csms import events
from csms.authorization.models import AuthorizationResult, IdToken
from csms.authorization.rule import Authorizer
from csms.clock import Clock
from csms.ports import UnitOfWorkProvider
from csms.stations.commands import BootStation, RecordStationEvent, RecordStatus, StationBooted
from csms.stations.models import ConnectorStatus, Station
from csms.stations.ports import Presence, StationsUnitOfWork, StatusWriter


class BootAdmission:
    """A token bucket of accepted boots per second (storm control after a restart).

    With ``rate`` tokens per second (burst ``rate``), a boot that finds the bucket empty is
    answered Pending. Its retry time comes from a virtual queue of the Pending answers given
    recently, which drains at ``rate`` per second: the n-th waiting station retries after
    about n / rate seconds, so retries arrive spread out instead of all at once, and a
    retry adds no debt of its own (no livelock however long the storm).

    With several nodes, ``share`` says this node's part of the cluster's rate (1 / the live
    nodes, docs/cluster.md), so the cluster admits at most ``rate_per_s`` together.
    """

    def __init__(
        self, rate_per_s: int, clock: Clock, share: Callable[[], float] | None = None
    ) -> None:
        self._cluster_rate = rate_per_s
        self._share = share
        self._clock = clock
        self._tokens = float(rate_per_s) * (share() if share else 1.0)
        self._waiting = 0.0
        self._last = clock.now()

    def retry_after_s(self) -> int:
        """0 when the boot may proceed (a token is taken), else seconds to wait."""
        rate = self._cluster_rate * (self._share() if self._share else 1.0)
        now = self._clock.now()
        elapsed = max((now - self._last).total_seconds(), 0.0)
        self._last = now
        self._tokens = min(max(rate, 1.0), self._tokens + elapsed * rate)
        self._waiting = max(0.0, self._waiting - elapsed * rate)
        if self._tokens >= 1:
            self._tokens -= 1
            return 0
        self._waiting += 1
        return max(1, min(60, math.ceil(self._waiting / rate)))


class StationService:
    """Use cases about stations. One method per use case."""

    def __init__(
        self,
        uow: UnitOfWorkProvider[StationsUnitOfWork],
        clock: Clock,
        *,
        heartbeat_interval_s: int,
        rule: Authorizer,
        admission: BootAdmission | None = None,
        heartbeat_jitter: float = 0.0,
        statuses: StatusWriter | None = None,
        presence: Presence | None = None,
        node_id: str | None = None,
    ) -> None:
        self._uow = uow
        self._node_id = node_id  # the node whose sockets this service's flags describe
        self._statuses = statuses
        self._presence = presence
        self._clock = clock
        self._heartbeat_interval_s = heartbeat_interval_s
        self._rule = rule
        self._admission = admission
        self._heartbeat_jitter = heartbeat_jitter

    async def connected(self, station_id: str, ocpp_version: str) -> None:
        async with self._uow(atomic=False) as uow:
            await uow.stations.set_connected(station_id, True, self._clock.now(), self._node_id)

    async def disconnected(self, station_id: str) -> None:
        async with self._uow(atomic=False) as uow:
            await uow.stations.set_connected(station_id, False, self._clock.now(), self._node_id)

    async def reset_connections(self, keep_nodes: Sequence[str] = ()) -> int:
        """At start-up no station is connected to this node, whatever the last run left;
        with several nodes, the stations of the other live nodes (``keep_nodes``) stay."""
        async with self._uow() as uow:
            return await uow.stations.disconnect_all(keep_nodes)

    async def boot(self, command: BootStation) -> StationBooted:
        """Accept the boot, or answer Pending when too many stations boot at once (storm
        control); a Pending boot writes nothing and tells the station when to retry."""
        retry_after = self._admission.retry_after_s() if self._admission else 0
        if retry_after:
            return StationBooted(False, retry_after, self._clock.now())
        station = Station(
            station_id=command.station_id,
            vendor=command.vendor,
            model=command.model,
            serial_number=command.serial_number,
            firmware_version=command.firmware_version,
            ocpp_version=command.ocpp_version,
        )
        async with self._uow(atomic=False) as uow:
            await uow.stations.record_boot(station, command.received_at)
            uow.record(
                events.StationBooted(station.station_id, True, station.vendor, station.model)
            )
        return StationBooted(True, self._jittered_interval(), self._clock.now())

    def _jittered_interval(self) -> int:
        """Spread heartbeats: a storm of boots must not become a storm of heartbeats."""
        if not self._heartbeat_jitter:
            return self._heartbeat_interval_s
        spread = self._heartbeat_interval_s * self._heartbeat_jitter
        jitter = random.uniform(-spread, spread)  # noqa: S311 (load spreading, not secrets)
        return max(1, round(self._heartbeat_interval_s + jitter))

    async def heartbeat(self, station_id: str) -> None:
        if self._presence is not None:  # in memory, flushed periodically
            self._presence.seen(station_id, self._clock.now())
            return
        async with self._uow(atomic=False) as uow:
            await uow.stations.touch(station_id, self._clock.now())

    async def record_status(self, command: RecordStatus) -> None:
        status = ConnectorStatus(  # the report as kept: its timestamp is the status' time
            command.station_id,
            command.evse_id,
            command.connector_id,
            command.status,
            command.error_code,
            command.timestamp,
        )
        if self._statuses is not None:  # group commit
            await self._statuses.record_status(status)
            return
        async with self._uow(atomic=False) as uow:
            await uow.connectors.upsert(status)

    async def record_event(self, event: RecordStationEvent) -> None:
        async with self._uow(atomic=False) as uow:
            await uow.station_events.add(event)

    async def authorize(self, station_id: str, token: IdToken) -> AuthorizationResult:
        """1.6 Authorize / 2.0.1 Authorize (no EVSE in either): the one core rule."""
        async with self._uow(atomic=False) as uow:
            return await self._rule(uow, station_id, None, token, "authorize")
