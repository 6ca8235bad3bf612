"""``POST /api/stands``: give a station's EVSE a public stand id (seed 000 SID)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pydantic import BaseModel

from csms.api.changes import Change, ChangeRoute, PathParams
from csms.api.parsing import Count, Identifier, OptionalText, Truthy
from csms.authorization.models import Stand

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class StandSaved(BaseModel):
    stand_id: str


class NewStand(Change):
    stand_id: Identifier
    station_id: Identifier
    evse_id: Count
    label: OptionalText = None
    uses_passwords: Truthy = False  # visitors get a one-time keypad password

    async def save(self, admin: AdminService, path: PathParams, scope: str | None) -> StandSaved:
        await admin.add_stand(Stand(**self.model_dump()), scope=scope)
        return StandSaved(stand_id=self.stand_id)


ROUTE: Final = ChangeRoute("POST", "/api/stands", NewStand)
