"""Reading energy registers from sampled values, exactly (no float).

OCPP 1.6 §7.31 SampledValue and 2.0.1 SampledValueType: the default measurand is
``Energy.Active.Import.Register`` and the default unit ``Wh``; 2.0.1 adds a power-of-ten
``multiplier`` in ``unitOfMeasure``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from csms.errors import InvalidInput
from csms.settlement.models import MeterSample

ENERGY_REGISTER: Final = "Energy.Active.Import.Register"
# Sample contexts: the words both protocol versions use for a reading's moment.
CONTEXT_TRANSACTION_BEGIN: Final = "Transaction.Begin"
CONTEXT_TRANSACTION_END: Final = "Transaction.End"
_WH_PER_UNIT: Final = {"WH": Decimal(1), "KWH": Decimal(1000)}


_BILLING_LOCATIONS: Final = frozenset({None, "Outlet"})  # OCPP's default location is Outlet


def register_wh(sample: MeterSample) -> Decimal | None:
    """The sample's energy register in Wh, or None if it is no whole-meter register reading.

    Only the register of the whole meter at the outlet counts: a per-phase register (``phase``
    set) or one at another location (``Inlet``, ``EV``, ...) is another quantity than the
    session's meterStart/meterStop totals, so mixing them would bill a wrong energy.

    Example: value ``Decimal("12.345")`` unit ``kWh`` multiplier 0 gives ``Decimal("12345.000")``;
    value ``123`` unit ``Wh`` multiplier 3 gives ``Decimal("123000")``.

    Raises:
        InvalidInput: an energy register in a unit that is not energy.
    """
    if sample.measurand != ENERGY_REGISTER or sample.value is None:
        return None
    if sample.phase is not None or sample.location not in _BILLING_LOCATIONS:
        return None
    factor = _WH_PER_UNIT.get((sample.unit or "Wh").upper())
    if factor is None:
        raise InvalidInput(f"energy register in unit {sample.unit!r}; expected Wh or kWh")
    return sample.value * factor * Decimal(10) ** sample.multiplier


def register_reading(samples: Iterable[MeterSample], context: str, *, last: bool) -> Decimal | None:
    """The register in the given context (e.g. ``Transaction.Begin``), else the first/last one."""
    readings = [(s.context, wh) for s in samples if (wh := register_wh(s)) is not None]
    in_context = [wh for ctx, wh in readings if ctx == context]
    pool = in_context or [wh for _, wh in readings]
    if not pool:
        return None
    return pool[-1] if last else pool[0]


def energy_delivered(
    meter_start_wh: Decimal | None, meter_stop_wh: Decimal | None
) -> Decimal | None:
    """Stop minus start register, or None when either is unknown."""
    if meter_start_wh is None or meter_stop_wh is None:
        return None
    return meter_stop_wh - meter_start_wh


def start_register(samples: Iterable[MeterSample]) -> Decimal | None:
    """The register at a transaction's start: its begin reading, else the first one."""
    return register_reading(samples, CONTEXT_TRANSACTION_BEGIN, last=False)


def end_register(samples: Iterable[MeterSample]) -> Decimal | None:
    """The register at a transaction's end: its end reading, else the last one."""
    return register_reading(samples, CONTEXT_TRANSACTION_END, last=True)
