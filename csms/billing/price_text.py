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


def _yen(amount: Decimal) -> str:
    """Whole yen with thousands separators; other amounts as their exact digits."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount.normalize():f}"


def cost_text(total: Decimal, language: str = "ja") -> str:
    if language == "en":
        return f"Cost {_yen(total)} yen (tax incl.)"
    return f"料金 {_yen(total)}円（税込）"


def _part(component: Component, language: str) -> str:
    en = language == "en"
    match component:
        case FlatFee(price=price):
            return f"{_yen(price)} yen per session" if en else f"1回 {_yen(price)}円"
        case TimeBlock(block_minutes=minutes, block_price=block, per_minute_price=per_minute):
            if en:
                return f"{_yen(block)} yen for {minutes} min, then {_yen(per_minute)} yen/min"
            return f"最初の{minutes}分 {_yen(block)}円、以降 {_yen(per_minute)}円/分"
        case TimePerMinute(per_minute_price=per_minute):
            return f"{_yen(per_minute)} yen/min" if en else f"{_yen(per_minute)}円/分"
        case EnergyPerKwh(price_per_kwh=per_kwh):
            return f"{_yen(per_kwh)} yen/kWh" if en else f"{_yen(per_kwh)}円/kWh"
    raise TypeError(f"no text for {component!r}")


def price_text(components: Sequence[Component], language: str = "ja") -> str:
    """The tariff's unit prices in one line, tax included."""
    parts = [_part(component, language) for component in components]
    if language == "en":
        return f"{', '.join(parts)} (tax incl.)"
    return f"{'、'.join(parts)}（税込）"
