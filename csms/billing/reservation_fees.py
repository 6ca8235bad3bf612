"""The fees of a reservation (seed 002 第11-12条), exact yen, rounded in ``rounding.py`` only.

* **unauthorised extension** (第12条 予約の無断延長): a session still charging at the window's
  end accrues the operator's price per **started** minute from the end until it stops, as a
  line of its own on the session's statement. Example: 10 yen/min, stopped 2 min 1 s after
  the end: 3 started minutes, 30 yen; stopped exactly at the end: no line.
* **no-show** (第11条 無断キャンセル): no charging at all between start and end, or a
  cancellation at or after the start (「充電開始時間の直前まで」 is the last free moment), gives
  a penalty statement of the operator's amount; an operator's cancellation never does.
* the charging itself is priced only on what was used inside the window (第10条): its time
  ends at the window's end at the latest.
* the included tax is computed once per statement (billing.md §4).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final

from csms.billing.money import Duration, exact
from csms.billing.pricer import Line, Quote
from csms.billing.rounding import included_tax, started_minutes, yen_truncated

NO_SHOW_TARIFF: Final = "reservation-no-show"
EXTENSION: Final = "unauthorised_extension"


def extension_minutes(window_end: datetime, stopped_at: datetime) -> int:
    """Started minutes from the window's end until the session stopped (0 when not after)."""
    if stopped_at <= window_end:
        return 0
    delta = stopped_at - window_end
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return started_minutes(Duration(Decimal(micros) / Decimal(1_000_000)))


def extension_line(window_end: datetime, stopped_at: datetime, per_minute: Decimal) -> Line | None:
    """The extension line (started minutes x price, truncated to the yen), if any accrued."""
    price = exact(per_minute, "extension_fee_per_minute")
    minutes = extension_minutes(window_end, stopped_at)
    if minutes == 0 or price == 0:
        return None
    amount = yen_truncated(price * minutes)
    return Line(EXTENSION, Decimal(minutes), "min", price, amount)


def charged_until(window_end: datetime, stopped_at: datetime) -> datetime:
    """The end of the time that is priced as charging: at the latest the window's end."""
    return min(window_end, stopped_at)


def with_extension(quote: Quote, line: Line | None) -> Quote:
    """The session's quote with the extension line added and the tax computed again once."""
    if line is None:
        return quote
    total = quote.total + line.amount
    return Quote(
        tariff_id=quote.tariff_id,
        tariff_version=quote.tariff_version,
        currency=quote.currency,
        lines=(*quote.lines, line),
        total=total,
        tax_included=included_tax(total, quote.tax_rate_percent),
        tax_rate_percent=quote.tax_rate_percent,
        waiver=quote.waiver,
    )


def is_late_cancellation(cancelled_at: datetime, starts_at: datetime) -> bool:
    """A member's cancellation at or after the start counts as a no-show (第11条)."""
    return cancelled_at >= starts_at


def no_show_quote(fee: Decimal, tax_rate_percent: Decimal = Decimal(10)) -> Quote | None:
    """The penalty statement's price: one line of the operator's amount; None when it is 0."""
    amount = yen_truncated(exact(fee, "no_show_fee"))
    if amount == 0:
        return None
    line = Line("no_show_penalty", Decimal(1), "reservation", amount, amount)
    return Quote(
        tariff_id=NO_SHOW_TARIFF,
        tariff_version="1",
        currency="JPY",
        lines=(line,),
        total=amount,
        tax_included=included_tax(amount, tax_rate_percent),
        tax_rate_percent=tax_rate_percent,
        waiver=None,
    )


def suspends(offences: int, threshold: int) -> bool:
    """Repeated no-shows and late cancellations (第11条: 複数回) suspend reservations: at
    ``threshold`` offences within the operator's window (0: never)."""
    return threshold > 0 and offences >= threshold
