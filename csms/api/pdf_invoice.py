"""A contract's monthly invoice (適格請求書, ``csms/invoicing/models.py``) as an A4 PDF in
Japanese, in the same built-in CID font as the receipts (``pdf_drawing.py``, docs/adr/0008).

Top to bottom: the title (and the invoice it corrects), the recipient (様), the invoice
number and issue date, the issuer's name and registration number (登録番号), the period and
the contract, place and meter; the lines with quantity, unit price, amount and tax category
(10%, 不課税, 課税済); this month's total, the total and consumption tax per rate, the out of
scope amount, the carried-over amount and the amount due. Byte-for-byte the same for the
same invoice (reportlab's ``invariant``).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Final

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from csms.api.pdf_drawing import right, rule, text
from csms.billing.invoice import ALREADY_TAXED, OUT_OF_SCOPE, InvoiceLine
from csms.billing.price_text import amount_text, yen_text
from csms.invoicing.models import Invoice
from csms.invoicing.schedule import jst_day

LEFT: Final = 18 * mm
RIGHT: Final = A4[0] - 18 * mm
UNITS: Final = {"month": "か月", "day": "日", "invoice": "件"}
WRAP: Final = 44  # characters of a line's description per printed line
CATEGORIES: Final = {OUT_OF_SCOPE: "不課税", ALREADY_TAXED: "課税済"}


def invoice_pdf(invoice: Invoice, *, corrected: bool = False) -> bytes:
    """The PDF; ``corrected``: a later invoice corrects this one (printed under the title)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"請求書 {invoice.invoice_number}")
    canvas.setAuthor(invoice.issuer.legal_name)
    y = _head(canvas, invoice, A4[1] - 20 * mm)
    if corrected:
        text(
            canvas,
            LEFT,
            A4[1] - 27 * mm,
            "※ この請求書は訂正されています（訂正後の請求書が有効です）",
            8,
        )
    y = _lines(canvas, invoice, y - 10 * mm)
    _totals(canvas, invoice, y - 8 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _head(canvas: Canvas, invoice: Invoice, y: float) -> float:
    title = "請求書（適格請求書）" if invoice.corrects is None else "請求書（訂正）"
    text(canvas, LEFT, y, title, 16)
    right(canvas, RIGHT, y, f"請求書番号 {invoice.invoice_number}")
    right(canvas, RIGHT, y - 5 * mm, f"発行日 {_date(jst_day(invoice.issued_at))}")
    if invoice.corrects is not None:
        right(canvas, RIGHT, y - 10 * mm, f"訂正前の請求書番号 {invoice.corrects_number}", 7)
    y -= 16 * mm
    recipient = invoice.recipient
    text(canvas, LEFT, y, f"{recipient.name} 様", 13)
    issuer = invoice.issuer
    right(canvas, RIGHT, y, issuer.legal_name, 11)
    right(canvas, RIGHT, y - 5 * mm, f"登録番号 {issuer.registration_number}")
    for step, extra in enumerate((issuer.address, issuer.phone and f"電話 {issuer.phone}")):
        if extra:
            right(canvas, RIGHT, y - (10 + 4 * step) * mm, extra[:60], 8)
    y -= 8 * mm
    start, end = _date(invoice.period_start), _date(invoice.period_end)
    text(canvas, LEFT, y, f"ご利用期間 {start}〜{end}")
    y -= 5 * mm
    place = f"契約番号 {invoice.contract_id}　お客様番号 {recipient.place_id}"
    if recipient.parking_space:
        place += f"　区画 {recipient.parking_space}"
    text(canvas, LEFT, y, place, 8)
    if invoice.meter is not None:
        meter = invoice.meter
        kind = "親メーター" if meter.parent_meter else "子メーター"
        y -= 5 * mm
        text(canvas, LEFT, y, f"計量器 {kind} {meter.maker} {meter.model} {meter.serial}", 8)
    return y


def _category(line: InvoiceLine) -> str:
    return CATEGORIES.get(line.tax_category, line.tax_category)


def _lines(canvas: Canvas, invoice: Invoice, y: float) -> float:
    columns = (LEFT, RIGHT - 78 * mm, RIGHT - 48 * mm, RIGHT - 16 * mm, RIGHT)
    text(canvas, columns[0], y, "明細", 8)
    right(canvas, columns[1], y, "数量", 8)
    right(canvas, columns[2], y, "単価", 8)
    right(canvas, columns[3], y, "金額", 8)
    right(canvas, columns[4], y, "税区分", 8)
    rule(canvas, y - 2 * mm, LEFT, RIGHT)
    for line in invoice.lines:
        y -= 6 * mm
        unit = UNITS.get(line.unit, line.unit)
        right(canvas, columns[1], y, f"{amount_text(line.quantity)} {unit}", 8)
        right(canvas, columns[2], y, f"{yen_text(line.unit_price)}/{unit}", 8)
        right(canvas, columns[3], y, yen_text(line.amount), 8)
        right(canvas, columns[4], y, _category(line), 8)
        description = line.description
        text(canvas, columns[0], y, description[:WRAP], 7)
        for start in range(WRAP, len(description), WRAP):  # the rest on lines of its own
            y -= 4 * mm
            text(canvas, columns[0] + 3 * mm, y, description[start : start + WRAP], 7)
    rule(canvas, y - 3 * mm, LEFT, RIGHT)
    return y


def _totals(canvas: Canvas, invoice: Invoice, y: float) -> None:
    percent = f"{invoice.tax_rate_percent.normalize():f}%"
    rows = [
        ("今月のご利用額（税込）", yen_text(invoice.total)),
        (
            f"{percent}対象（税込） {yen_text(invoice.taxable)}",
            f"うち消費税（{percent}） {yen_text(invoice.tax)}",
        ),
        ("不課税（違約金）", yen_text(invoice.out_of_scope)),
        ("前回までの未払い額（合算請求）", yen_text(invoice.carried_over)),
    ]
    for label, value in rows:
        text(canvas, LEFT, y, label)
        right(canvas, RIGHT, y, value)
        y -= 6 * mm
    rule(canvas, y + 3 * mm, LEFT, RIGHT)
    y -= 3 * mm
    text(canvas, LEFT, y, "ご請求額（税込）", 12)
    right(canvas, RIGHT, y, yen_text(invoice.amount_due), 14)
