"""The resources of everything an operator does with OCPP: the generic call and the typed
operations (``calls``, ``station_operations``, ``station_settings``), assembled for the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from csms.api.calls import CallsResource
from csms.api.station_operations import StationOperationsResource
from csms.api.station_settings import StationSettingsResource

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.station_commands.local_lists import LocalListService
    from csms.station_commands.ports import StationGateway


def station_resources(
    gateway: StationGateway, read_model: ReadModel, local_lists: LocalListService
) -> tuple[CallsResource, StationOperationsResource, StationSettingsResource]:
    return (
        CallsResource(gateway, read_model, local_lists),
        StationOperationsResource(gateway, read_model),
        StationSettingsResource(gateway, read_model, local_lists),
    )
