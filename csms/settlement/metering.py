"""The metering decision of a finished session: which energy is billed, from where, and
whether the statement must wait for review (billing.md §4, seed 002 第19条).

A connector measured by a registered signed billing meter bills the meter's verified energy,
never the charger's register: if the records do not verify, the session is held for review.
A session whose starting token the central system refused is held too, never billed silently.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from csms.authorization.models import TokenStatus
from csms.events import MeterVerificationFailed
from csms.meter.ocmf import Reading
from csms.meter.verify import OcmfVerificationError
from csms.settlement.models import (
    EnergySource,
    Metering,
    MeterRecord,
    ReviewReason,
    SessionFacts,
)
from csms.settlement.ports import SettlementUnitOfWork
from csms.settlement.signed_data import meter_energy


async def measure(uow: SettlementUnitOfWork, facts: SessionFacts) -> Metering:
    """The energy to bill: the verified signed meter where one measures the connector."""
    meter = await _signing_meter(uow, facts)
    if meter is None:
        return _charger_register(facts)
    identity = meter.identity()
    try:
        signed = meter_energy(
            meter,
            await uow.signed_records.of_session(facts.session_id),
            id_token=facts.id_token,
            started_at=facts.started_at,
            stopped_at=facts.stopped_at,
        )
    except OcmfVerificationError as exc:
        uow.record(
            MeterVerificationFailed(
                facts.station_id, str(facts.session_id), meter.serial, exc.code, str(exc)
            )
        )
        reason = ReviewReason.METER_KEY_UNKNOWN if exc.code == "no_key" else None
        return Metering(
            None,
            EnergySource.SIGNED_METER,
            meter=identity,
            review_reason=reason or ReviewReason.METER_UNVERIFIED,
            review_detail=f"{exc.code}: {exc}",
        )
    readings = {"signed_begin": _reading(signed.begin), "signed_end": _reading(signed.end)}
    return Metering(signed.energy_wh, EnergySource.SIGNED_METER, meter=identity | readings)


async def measure_unsigned(uow: SettlementUnitOfWork, facts: SessionFacts) -> Metering | None:
    """:func:`measure` where no signing meter measures the connector (the charger's register);
    None where one does (its records are verified on the full path, in the end's
    transaction: the group commit of ends, ``charging.plain_ends``)."""
    if await _signing_meter(uow, facts) is not None:
        return None
    return _charger_register(facts)


async def _signing_meter(uow: SettlementUnitOfWork, facts: SessionFacts) -> MeterRecord | None:
    """The registered OCMF-signing meter of the session's connector; the signed records of
    its transaction are linked to the session first."""
    await uow.signed_records.link(facts.station_id, facts.transaction_id, facts.session_id)
    if facts.evse_id is None:
        return None
    meter = await uow.meters.meter_for(facts.station_id, facts.evse_id, facts.started_at)
    return meter if meter is not None and meter.signs_ocmf else None


def _charger_register(facts: SessionFacts) -> Metering:
    return Metering(facts.register_energy_wh, EnergySource.CHARGER_REGISTER)


_BILLED_WITHOUT_REVIEW = (None, TokenStatus.ACCEPTED)  # no token at all, or one we accept


def hold_if_refused(metering: Metering, facts: SessionFacts) -> Metering:
    """A session started with a token we refused (Blocked, Invalid, Expired, another operator's;
    e.g. an offline start from the station's list) waits for an operator, never billed."""
    status = facts.authorization_status
    if metering.review_reason is not None or status in _BILLED_WITHOUT_REVIEW:
        return metering
    return replace(
        metering,
        review_reason=ReviewReason.AUTHORIZATION_REFUSED,
        review_detail=f"authorization_refused: the starting token was answered {status}",
    )


def meter_needs_checking(metering: Metering) -> bool:
    """Whether a correction must verify the signed records again (a key may be known now)."""
    return metering.review_reason in (
        ReviewReason.METER_KEY_UNKNOWN,
        ReviewReason.METER_UNVERIFIED,
    )


def _reading(reading: Reading) -> dict[str, Any]:
    """A signed reading as the statement prints it (value and unit as the meter states)."""
    return {
        "value": str(reading.value),
        "unit": reading.unit,
        "time": reading.time.isoformat() if reading.time else None,
    }
