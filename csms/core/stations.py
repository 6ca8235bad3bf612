"""Station lifecycle: boot, heartbeat, status and reported events (admission: station_security).

OCPP 1.6 §4.2 BootNotification, §4.6 Heartbeat, §4.9 StatusNotification; 2.0.1 B01,
G01/G02, N-block notifications. Rules are version-neutral.
"""

from __future__ import annotations

import structlog

from csms.core.authorization import AuthorizationPolicy, authorize
from csms.core.commands import BootStation, RecordStationEvent, RecordStatus, StationBooted
from csms.core.models import AuthorizationResult, ConnectorStatus, IdToken, Station, StationEvent
from csms.core.ports import Clock, UnitOfWorkProvider

log = structlog.get_logger(__name__)


class StationService:
    """Use cases about stations. One method per use case."""

    def __init__(
        self,
        uow: UnitOfWorkProvider,
        clock: Clock,
        *,
        heartbeat_interval_s: int,
        policy: AuthorizationPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._heartbeat_interval_s = heartbeat_interval_s
        self._policy = policy or AuthorizationPolicy()

    async def connected(self, station_id: str, ocpp_version: str) -> None:
        async with self._uow() as uow:
            await uow.stations.set_connected(station_id, True, self._clock.now())

    async def disconnected(self, station_id: str) -> None:
        async with self._uow() as uow:
            await uow.stations.set_connected(station_id, False, self._clock.now())

    async def reset_connections(self) -> int:
        """At start-up no station is connected to this node, whatever the last run left."""
        async with self._uow() as uow:
            return await uow.stations.disconnect_all()

    async def boot(self, command: BootStation) -> StationBooted:
        station = Station(
            station_id=command.station_id,
            vendor=command.vendor,
            model=command.model,
            serial_number=command.serial_number,
            firmware_version=command.firmware_version,
            ocpp_version=command.ocpp_version,
        )
        async with self._uow() as uow:
            await uow.stations.record_boot(station, command.received_at)
        return StationBooted(True, self._heartbeat_interval_s, self._clock.now())

    async def heartbeat(self, station_id: str) -> None:
        async with self._uow() as uow:
            await uow.stations.touch(station_id, self._clock.now())

    async def record_status(self, command: RecordStatus) -> None:
        status = ConnectorStatus(
            station_id=command.station_id,
            evse_id=command.evse_id,
            connector_id=command.connector_id,
            status=command.status,
            error_code=command.error_code,
            status_at=command.timestamp,
        )
        async with self._uow() as uow:
            await uow.stations.upsert_connector(status)

    async def record_event(self, command: RecordStationEvent) -> None:
        event = StationEvent(command.station_id, command.kind, command.occurred_at, command.payload)
        async with self._uow() as uow:
            await uow.stations.add_event(event)

    async def authorize(self, station_id: str, token: IdToken) -> AuthorizationResult:
        """1.6 Authorize / 2.0.1 Authorize (no EVSE in either): the one core rule."""
        async with self._uow() as uow:
            return await authorize(
                uow,
                station_id,
                None,
                token,
                self._clock.now(),
                purpose="authorize",
                policy=self._policy,
            )
