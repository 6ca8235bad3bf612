"""``POST /public/stands/{stand_id}/visits``: the visitor's registration page backend.

Seed 000: one URL per stand; register, then touch any FeliCa card within 60 s (or get a
one-time password where the stand uses them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pydantic import RootModel

from csms.api.changes import Change, ChangeRoute, PathParams
from csms.api.parsing import Flag, Text
from csms.authorization.visitors import VisitRegistered

if TYPE_CHECKING:
    from csms.authorization.visitors import VisitorService

Visit = RootModel[VisitRegistered]  # the card window's end, or the password and its expiry


class Registration(Change):
    notify: Flag = False
    name: Text
    email: Text
    payment_reference: Text  # a payment service's reference

    async def save(self, visitors: VisitorService, path: PathParams) -> Visit:
        """Seed 000: register, then touch any FeliCa card within 60 s (or get a password)."""
        return Visit(await visitors.register(path["stand_id"], **self.model_dump()))


ROUTE: Final = ChangeRoute("POST", "/public/stands/{stand_id}/visits", Registration)
