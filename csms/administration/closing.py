"""Closing a member account (seed 002 第7条 退会): 確定した予約、未決済の取引等の手続きが終了
していない場合、終了するまで退会はできません — not while it has a confirmed reservation or a
transaction that is not settled (a session still charging, or a statement held for review).
A closed account's cards and app are refused from then on (``authorization.rule``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from csms.authorization.models import AccountStatus
from csms.authorization.ports import AccountRepository
from csms.errors import Conflict, NotFound
from csms.ports import EventRecorder, UnitOfWorkProvider


class OpenCommitments(Protocol):
    async def open_commitments(self, account_id: str) -> tuple[int, int]: ...


class ClosingUnitOfWork(EventRecorder, Protocol):
    accounts: AccountRepository
    reservation_accounts: OpenCommitments


class AccountClosing:
    def __init__(self, uow: UnitOfWorkProvider[ClosingUnitOfWork]) -> None:
        self._uow = uow

    async def close(self, account_id: str, scope: str | None = None) -> None:
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            if account is None or (scope is not None and account.operator_id != scope):
                raise NotFound(f"no account {account_id!r}")
            reservations, unsettled = await uow.reservation_accounts.open_commitments(account_id)
            if reservations:
                raise Conflict(
                    f"the account has {reservations} confirmed reservation(s): "
                    "cancel or use them first (第7条)"
                )
            if unsettled:
                raise Conflict(f"the account has {unsettled} transaction(s) not settled (第7条)")
            await uow.accounts.upsert(replace(account, status=AccountStatus.CLOSED))
