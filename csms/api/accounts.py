"""``POST /api/accounts``: add or change a member account; answers its app token.

The app token is the account id in normal form; the member app starts and stops charging
with it (``app_sessions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BaseModel

from csms.api.changes import Change, ChangeRoute, PathParams
from csms.api.parsing import Moment, OptionalText, Text, member_of
from csms.authorization.models import AccountStatus

if TYPE_CHECKING:
    from csms.administration.service import AdminService


class AccountSaved(BaseModel):
    account_id: str
    app_token: str


class AccountChange(Change):
    account_id: Text
    operator_id: Text
    name: Text
    email: OptionalText = None
    status: Annotated[AccountStatus, member_of(AccountStatus)] = AccountStatus.VALID
    expires_at: Moment = None
    group_id: OptionalText = None

    async def save(self, admin: AdminService, path: PathParams) -> AccountSaved:
        app_token = await admin.set_account(**self.model_dump())
        return AccountSaved(account_id=self.account_id, app_token=app_token)


ROUTE: Final = ChangeRoute("POST", "/api/accounts", AccountChange)
