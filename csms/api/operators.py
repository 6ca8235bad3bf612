"""``POST /api/operators``: add or rename an operator (a CPO)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pydantic import BaseModel

from csms.api.changes import Change, ChangeRoute, PathParams
from csms.api.parsing import Identifier, Text

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class OperatorSaved(BaseModel):
    operator_id: str


class NewOperator(Change):
    operator_id: Identifier
    name: Text

    async def save(
        self, admin: AdminService, path: PathParams, scope: str | None
    ) -> OperatorSaved:  # admin keys only (policy.PERMISSIONS)
        await admin.add_operator(**self.model_dump())
        return OperatorSaved(operator_id=self.operator_id)


ROUTE: Final = ChangeRoute("POST", "/api/operators", NewOperator)
