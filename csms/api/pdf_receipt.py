"""A receipt (適格簡易請求書, ``csms/settlement/receipts.py``) as a one-page A5 PDF in Japanese.

Drawn with reportlab's canvas in the built-in CID font ``HeiseiKakuGo-W5`` (Adobe-Japan1,
no font file embedded or downloaded: every PDF reader has it; docs/adr/0008). Amounts read
``1,234円``. What it prints, top to bottom: the title, the issuer's name, registration number
(and address, phone), the transaction date, what was supplied with the statement's lines,
the total (tax included), the total and the consumption tax per rate, and the statement's id.
The output is byte-for-byte the same for the same receipt (reportlab's ``invariant``).
"""

from __future__ import annotations

import io
from typing import Final

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from csms.api.pdf_drawing import right, rule, text
from csms.billing.price_text import amount_text, yen_text
from csms.settlement.receipts import Receipt, ReceiptLine

LEFT: Final = 14 * mm
RIGHT: Final = A5[0] - 14 * mm
UNITS: Final = {"min": "分", "session": "回", "reservation": "件"}
PER_BLOCK: Final = frozenset({"time_block"})  # its unit price is the block's, not per minute


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as the bytes of a PDF."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=True, pageCompression=1)
    canvas.setTitle(f"領収書 {receipt.statement_id}")
    canvas.setAuthor(receipt.issuer.legal_name)
    y = _head(canvas, receipt, A5[1] - 20 * mm)
    y = _lines(canvas, receipt, y - 8 * mm)
    _totals(canvas, receipt, y - 6 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _day(receipt: Receipt) -> str:
    day = receipt.transaction_date
    return f"{day.year}年{day.month}月{day.day}日"


def _head(canvas: Canvas, receipt: Receipt, y: float) -> float:
    """Title, issuer, registration number, date: where the next block starts."""
    text(canvas, LEFT, y, f"領収書（{receipt.title}）", 15)
    right(canvas, RIGHT, y - 9 * mm, f"取引年月日 {_day(receipt)}")
    issuer = receipt.issuer
    y -= 18 * mm
    text(canvas, LEFT, y, issuer.legal_name, 11)
    y -= 6 * mm
    text(canvas, LEFT, y, f"登録番号 {issuer.registration_number}")
    for extra in (issuer.address, f"電話 {issuer.phone}" if issuer.phone else None):
        if extra:
            y -= 5 * mm
            text(canvas, LEFT, y, extra[:60], 8)
    y -= 9 * mm
    supplied = receipt.supplied
    if receipt.station_id:
        supplied += f"（充電器 {receipt.station_id}）"
    text(canvas, LEFT, y, f"品目 {supplied}")
    return y


def _quantity(line: ReceiptLine) -> str:
    unit = UNITS.get(line.unit, line.unit)
    return f"{amount_text(line.quantity)} {unit}"


def _lines(canvas: Canvas, receipt: Receipt, y: float) -> float:
    """The table of what was supplied: description, quantity, unit price, amount."""
    columns = (LEFT, RIGHT - 62 * mm, RIGHT - 28 * mm, RIGHT)
    text(canvas, columns[0], y, "明細", 8)
    right(canvas, columns[1] + 14 * mm, y, "数量", 8)
    right(canvas, columns[2], y, "単価", 8)
    right(canvas, columns[3], y, "金額", 8)
    rule(canvas, y - 2 * mm, LEFT, RIGHT)
    for line in receipt.lines:
        y -= 6 * mm
        unit = UNITS.get(line.unit, line.unit)
        text(canvas, columns[0], y, line.description)
        right(canvas, columns[1] + 14 * mm, y, _quantity(line))
        per = "" if line.kind in PER_BLOCK else f"/{unit}"
        right(canvas, columns[2], y, f"{yen_text(line.unit_price)}{per}")
        right(canvas, columns[3], y, yen_text(line.amount))
    rule(canvas, y - 3 * mm, LEFT, RIGHT)
    return y


def _totals(canvas: Canvas, receipt: Receipt, y: float) -> None:
    """The total, each rate's total and tax, and the statement it was issued for."""
    text(canvas, LEFT, y - 2 * mm, "合計（税込）", 11)
    right(canvas, RIGHT, y - 2 * mm, yen_text(receipt.total), 13)
    for rate in receipt.taxes:
        y -= 9 * mm
        percent = f"{rate.rate_percent.normalize():f}%"
        text(canvas, LEFT, y, f"{percent}対象（税込） {yen_text(rate.total)}")
        right(canvas, RIGHT, y, f"うち消費税（{percent}） {yen_text(rate.tax)}")
    y -= 14 * mm
    text(canvas, LEFT, y, f"明細書番号 {receipt.statement_id}", 7)
    text(canvas, LEFT, y - 4 * mm, f"セッション {receipt.session_id}", 7)
    if receipt.corrects is not None:
        text(canvas, LEFT, y - 8 * mm, f"訂正前の明細書 {receipt.corrects}", 7)
