"""Contracts and their monthly readings (seed 003 第6条, 第7条, 第16条, 第19条; 001: one
contract per place of use)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from csms.records import frozen


class ContractStatus(enum.StrEnum):
    ACTIVE = "active"
    TERMINATED = "terminated"  # ended, the space not yet handed back (第19条)
    ENDED = "ended"  # ended and handed back


@frozen
class ContractMeter:
    """The meter that bills the space (特定計量: maker, model, serial, year on the invoice):
    its sub-meter (子メーター), or the lot's parent meter (親メーター) while the lot has one
    charger (第7条)."""

    serial: str
    maker: str
    model: str
    year: int | None = None
    parent_meter: bool = False


@frozen
class Contract:
    contract_id: str
    operator_id: str | None
    customer_id: str
    customer_name: str
    place_id: str  # the place of use (customer number): one contract per place (001)
    plan_id: str
    start_date: date  # 利用開始日
    email: str | None = None
    parking_space: str | None = None
    station_id: str | None = None
    evse_id: int | None = None
    meter: ContractMeter | None = None
    no_renewal_notice_on: date | None = None  # either side said it does not renew (第16条1)
    terminated_on: date | None = None
    handed_back_on: date | None = None  # 明渡し
    created_at: datetime | None = None

    @property
    def status(self) -> ContractStatus:
        if self.terminated_on is None:
            return ContractStatus.ACTIVE
        if self.handed_back_on is None:
            return ContractStatus.TERMINATED
        return ContractStatus.ENDED


@frozen
class MonthlyReading:
    """A month's readings of the contract's meter, in kWh as read (no rounding, 003)."""

    contract_id: str
    month: str  # YYYY-MM, JST
    opening_kwh: Decimal
    closing_kwh: Decimal
    source: str  # import, api, charger
