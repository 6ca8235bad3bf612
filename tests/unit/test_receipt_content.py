"""A receipt's content (適格簡易請求書, seed 002 第19条) from a statement, and its PDF's text."""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from csms.api.pdf_receipt import receipt_pdf
from csms.billing.price_text import yen_text
from csms.billing.pricer import Line
from csms.billing.registration import RegistrationNumber
from csms.settlement.models import Statement, StatementStatus
from csms.settlement.receipts import OperatorDetails, build_receipt

ISSUER = OperatorDetails("OP", "株式会社テスト充電", RegistrationNumber("7010705000725"))
STATEMENT = Statement(
    statement_id=uuid.uuid4(),
    session_id=uuid.uuid4(),
    status=StatementStatus.ISSUED,
    tariff_id="emp-normal",
    tariff_version="1",
    currency="JPY",
    lines=(
        Line("time_block", Decimal(15), "min", Decimal(132), Decimal(132)),
        Line("time", Decimal(1500), "min", Decimal("8.8"), Decimal(13200)),
    ),
    total=Decimal(13332),
    tax_included=Decimal(1212),
    tax_rate_percent=Decimal(10),
    waiver=None,
    unpriced_reason=None,
    # 15:30 UTC is 00:30 JST the next day: the transaction date is the JST one.
    inputs={"stopped_at": "2025-06-02T15:30:00+00:00", "station_id": "CP-1"},
    issued_at=datetime(2025, 6, 2, 15, 31, tzinfo=UTC),
)


def test_amounts_read_in_yen_with_separators() -> None:
    assert yen_text(Decimal(1234)) == "1,234円"
    assert yen_text(Decimal(0)) == "0円"
    assert yen_text(Decimal("8.8")) == "8.8円"


def test_the_receipt_carries_the_issuer_the_jst_date_the_lines_and_the_tax_per_rate() -> None:
    receipt = build_receipt(STATEMENT, ISSUER)
    assert str(receipt.issuer.registration_number) == "T7010705000725"
    assert receipt.transaction_date == date(2025, 6, 3)
    assert [line.description for line in receipt.lines] == ["充電時間（基本料金）", "充電時間"]
    assert receipt.total == Decimal(13332)
    assert [(t.rate_percent, t.total, t.tax) for t in receipt.taxes] == [
        (Decimal(10), Decimal(13332), Decimal(1212))
    ]


@pytest.mark.parametrize("status", [StatementStatus.UNPRICED, StatementStatus.NEEDS_REVIEW])
def test_a_statement_that_is_not_issued_has_no_receipt(status: StatementStatus) -> None:
    held = dataclasses.replace(STATEMENT, status=status, total=None, tax_included=None)
    with pytest.raises(ValueError, match="issued"):
        build_receipt(held, ISSUER)


def test_the_pdf_s_text_shows_the_number_the_tax_per_rate_and_the_total() -> None:
    pdf = receipt_pdf(build_receipt(STATEMENT, ISSUER))
    assert pdf.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for shown in (
        "領収書（適格簡易請求書）",
        "株式会社テスト充電",
        "登録番号 T7010705000725",
        "取引年月日 2025年6月3日",
        "合計（税込）\n13,332円",
        "10%対象（税込） 13,332円",
        "うち消費税（10%） 1,212円",
        "1,500 分",
    ):
        assert shown in text
    assert receipt_pdf(build_receipt(STATEMENT, ISSUER)) == pdf  # deterministic
