"""What the charger's screen says about money, in Japanese (default) or English: the price
at the start, the running cost and the final cost (seed 002 第10条: 充電開始時にアプリ上で
表示される価格; OCPP 2.0.1 I02/I03 personal messages, 1.6 costmsg priceText).

Example: ``cost_text(Decimal(1234), "ja")`` is ``"料金 1,234円（税込）"``;
``price_text((TimePerMinute(Decimal("8.8")),), "en")`` is ``"8.8 yen/min (tax incl.)"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from csms.billing.tariff import Component, EnergyPerKwh, FlatFee, TimeBlock, TimePerMinute


def amount_text(amount: Decimal) -> str:
    """An exact amount with thousands separators: ``1,234``; ``8.8``; ``12,345.6``."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount.normalize():,f}"


def yen_text(amount: Decimal) -> str:
    """``1,234円``: an amount of yen as statements, receipts and screens print it."""
    return f"{amount_text(amount)}円"


def cost_text(total: Decimal, language: str = "ja") -> str:
    if language == "en":
        return f"Cost {amount_text(total)} yen (tax incl.)"
    return f"料金 {amount_text(total)}円（税込）"


def _part(component: Component, language: str) -> str:
    en = language == "en"
    match component:
        case FlatFee(price=price):
            return f"{amount_text(price)} yen per session" if en else f"1回 {amount_text(price)}円"
        case TimeBlock(block_minutes=minutes, block_price=block, per_minute_price=per_minute):
            if en:
                block_text, minute_text = amount_text(block), amount_text(per_minute)
                return f"{block_text} yen for {minutes} min, then {minute_text} yen/min"
            return f"最初の{minutes}分 {amount_text(block)}円、以降 {amount_text(per_minute)}円/分"
        case TimePerMinute(per_minute_price=per_minute):
            return f"{amount_text(per_minute)} yen/min" if en else f"{amount_text(per_minute)}円/分"
        case EnergyPerKwh(price_per_kwh=per_kwh):
            return f"{amount_text(per_kwh)} yen/kWh" if en else f"{amount_text(per_kwh)}円/kWh"
    raise TypeError(f"no text for {component!r}")


def price_text(components: Sequence[Component], language: str = "ja") -> str:
    """The tariff's unit prices in one line, tax included."""
    parts = [_part(component, language) for component in components]
    if language == "en":
        return f"{', '.join(parts)} (tax incl.)"
    return f"{'、'.join(parts)}（税込）"
