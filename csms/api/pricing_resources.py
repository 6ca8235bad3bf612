"""The resources of what prices a session: the stored tariffs and the memberships (seed 002
第13条), each served when its service is given, assembled for the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from csms.api.memberships import MembershipsResource
from csms.api.tariffs import TariffsResource

if TYPE_CHECKING:
    from csms.administration.memberships import MembershipService
    from csms.administration.ports import ReadModel
    from csms.settlement.tariff_admin import TariffBook


def pricing_resources(
    tariffs: TariffBook | None, read_model: ReadModel, memberships: MembershipService | None
) -> tuple[TariffsResource | MembershipsResource, ...]:
    found: list[TariffsResource | MembershipsResource] = []
    if tariffs is not None:
        found.append(TariffsResource(tariffs, read_model))
    if memberships is not None:
        found.append(MembershipsResource(memberships))
    return tuple(found)
