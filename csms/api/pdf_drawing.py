"""Drawing text on a reportlab canvas in the built-in Japanese CID font ``HeiseiKakuGo-W5``
(Adobe-Japan1: no font file embedded or downloaded, every PDF reader has it; docs/adr/0008),
shared by the receipt and the invoice PDFs."""

from __future__ import annotations

import functools
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT: Final = "HeiseiKakuGo-W5"


@functools.cache
def font() -> str:
    """The CID font, registered with reportlab once per process."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def text(canvas: Canvas, x: float, y: float, text: str, size: float = 9) -> None:
    canvas.setFont(font(), size)
    canvas.drawString(x, y, text)


def right(canvas: Canvas, x: float, y: float, text: str, size: float = 9) -> None:
    canvas.setFont(font(), size)
    canvas.drawRightString(x, y, text)


def rule(canvas: Canvas, y: float, left: float, right_x: float) -> None:
    canvas.setLineWidth(0.5)
    canvas.line(left, y, right_x, y)
