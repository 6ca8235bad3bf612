"""A session's receipt: a qualified simplified invoice (適格簡易請求書) built from its current
issued statement and the operator's registered details (seed 002 第19条: receipts are issued
from the operator's registered details; without them none is issued).

A qualified simplified invoice may be issued instead of a qualified invoice by businesses
that supply an unspecified number of customers (消費税法第57条の4第2項), and carries:

1. the issuer's name and registration number (適格請求書発行事業者の氏名又は名称及び登録番号);
2. the date of the transaction (取引年月日): the JST day the session ended;
3. what was supplied (取引内容): the charging service and the statement's lines;
4. the total of the consideration per tax rate (税率ごとに区分して合計した対価の額), tax
   included here, as every price of ours is;
5. the consumption tax per rate, or the rate (消費税額等又は適用税率): both are given; the
   tax is the statement's ``tax_included``, rounded once for the statement (billing.md).

Pure: the record is what the JSON answer and the PDF (``csms/api/pdf_receipt.py``) show.

Example: a statement of 1,234 yen at 10 % with 112 yen tax included gives a receipt whose
``taxes`` are ``(TaxPerRate(rate_percent=Decimal(10), total=Decimal(1234),
tax=Decimal(112)),)`` and ``csms.billing.price_text.yen_text`` prints its amounts (``"1,234円"``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

from csms.billing.pricer import JST
from csms.billing.registration import RegistrationNumber
from csms.records import frozen
from csms.settlement.models import Statement, StatementLine, StatementStatus

TITLE: Final = "適格簡易請求書"  # printed as 領収書 (適格簡易請求書) on the PDF
SUPPLY: Final = "EV充電サービス"
# What each statement line is, in words (the pricer's and reservation_fees' line kinds).
LINE_WORDS: Final = {
    "energy": "充電電力量",
    "time": "充電時間",
    "time_block": "充電時間（基本料金）",
    "flat": "充電1回",
    "unauthorised_extension": "予約時間超過（延長料金）",
    "no_show_penalty": "予約無断キャンセル料",
}


@frozen
class OperatorDetails:
    """The operator's registered details, from which its receipts are issued (002 第19条).

    ``legal_name`` is 登録事業者の氏名又は名称 as registered; ``corporate`` says that the
    registration number's 13 digits are a corporate number (so its check digit was checked).
    """

    operator_id: str
    legal_name: str
    registration_number: RegistrationNumber
    corporate: bool = True
    address: str | None = None
    phone: str | None = None
    updated_at: datetime | None = None


@frozen
class ReceiptLine:
    """One thing supplied: the statement's line with its words."""

    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@frozen
class TaxPerRate:
    """The tax-included total of the lines at ``rate_percent`` and the tax it includes."""

    rate_percent: Decimal
    total: Decimal
    tax: Decimal


@frozen
class Receipt:
    """A qualified simplified invoice for one session's current issued statement."""

    title: str
    issuer: OperatorDetails
    statement_id: UUID
    session_id: UUID
    transaction_date: date
    issued_at: datetime | None
    supplied: str
    station_id: str | None
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    taxes: tuple[TaxPerRate, ...]
    currency: str
    corrects: UUID | None = None


def build_receipt(statement: Statement, issuer: OperatorDetails) -> Receipt:
    """The receipt of an issued session statement; ValueError for any other statement."""
    total, tax, rate = statement.total, statement.tax_included, statement.tax_rate_percent
    if statement.status is not StatementStatus.ISSUED or statement.session_id is None:
        raise ValueError("only an issued statement of a session has a receipt")
    if total is None or tax is None or rate is None:
        raise ValueError("an issued statement has a total, its tax and its rate")
    return Receipt(
        title=TITLE,
        issuer=issuer,
        statement_id=statement.statement_id,
        session_id=statement.session_id,
        transaction_date=transaction_date(statement),
        issued_at=statement.issued_at,
        supplied=SUPPLY,
        station_id=statement.inputs.get("station_id"),
        lines=tuple(_line(line) for line in statement.lines),
        total=total,
        taxes=(TaxPerRate(rate_percent=rate, total=total, tax=tax),),
        currency=statement.currency,
        corrects=statement.corrects,
    )


def transaction_date(statement: Statement) -> date:
    """The JST day the session ended (its ``stopped_at`` input), else the day it was issued."""
    stopped = statement.inputs.get("stopped_at")
    moment = datetime.fromisoformat(stopped) if isinstance(stopped, str) else statement.issued_at
    if moment is None:
        raise ValueError("a statement without its session's end or its issue time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST).date()


def _line(line: StatementLine) -> ReceiptLine:
    return ReceiptLine(
        kind=line.kind,
        description=LINE_WORDS.get(line.kind, line.kind),
        quantity=line.quantity,
        unit=line.unit,
        unit_price=line.unit_price,
        amount=line.amount,
    )
