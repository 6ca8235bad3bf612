"""Signed meter data in the core: keep every record, and bill from the billing meter.

Rules: a connector with a registered signed meter bills the verified signed end minus
begin (kWh as the meter states it); if verification fails or the meter has no key, the
statement is held ``needs_review`` with the reason, never billed from the charger's
register. A malformed record is stored verbatim, flagged and logged; it never fails the
OCPP message that carried it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from csms.authorization.rule import normalise_token
from csms.events import SignedRecordKept
from csms.meter.ocmf import OcmfFormatError, parse_ocmf
from csms.meter.verify import OcmfVerificationError, SignedEnergy, session_energy
from csms.settlement.models import MeterRecord, MeterSample, SignedRecord
from csms.settlement.ports import SettlementUnitOfWork


def carries_ocmf(data: object) -> bool:
    """Whether a DataTransfer's data holds a signed record we should keep."""
    if not isinstance(data, str):
        return False
    try:
        parse_ocmf(data)
    except OcmfFormatError:
        return "OCMF|" in data  # malformed but meant as OCMF: keep it, flagged
    return True


def transaction_hint(raw: str) -> str | None:
    """``transactionId`` from a JSON wrapper around a record, if any."""
    try:
        wrapper = json.loads(raw)
    except ValueError:
        return None
    if isinstance(wrapper, dict) and wrapper.get("transactionId") is not None:
        return str(wrapper["transactionId"])
    return None


def read_record(
    raw: str,
    *,
    station_id: str,
    transaction_id: str | None,
    session_id: UUID | None,
    carrier: str,
    public_key: str | None = None,
) -> SignedRecord:
    """The record to store: verbatim text, plus the OCMF text or the parse error."""
    try:
        ocmf, error = parse_ocmf(raw).text, None
    except OcmfFormatError as exc:
        ocmf, error = None, str(exc)
    return SignedRecord(
        None, session_id, station_id, transaction_id, carrier, raw, ocmf, public_key, error
    )


async def keep_signed_samples(
    uow: SettlementUnitOfWork,
    station_id: str,
    transaction_id: str | None,
    session_id: UUID | None,
    samples: Sequence[MeterSample],
) -> None:
    """Every sample with signed data becomes a signed record (replays are ignored)."""
    for sample in samples:
        if sample.signed_data is None:
            continue
        carrier = "signedMeterValue" if sample.encoding_method else "SignedData"
        record = read_record(
            sample.signed_data,
            station_id=station_id,
            transaction_id=transaction_id,
            session_id=session_id,
            carrier=carrier,
            public_key=sample.public_key,
        )
        await keep_record(uow, record)


async def keep_record(uow: SettlementUnitOfWork, record: SignedRecord) -> None:
    """Store a signed record once and say so (malformed ones are kept with their error)."""
    await uow.signed_records.add(record)
    uow.record(
        SignedRecordKept(
            record.station_id,
            carrier=record.carrier,
            parsed=record.parse_error is None,
            parse_error=record.parse_error,
        )
    )


def meter_energy(
    meter: MeterRecord,
    records: Sequence[SignedRecord],
    *,
    id_token: str | None,
    started_at: datetime,
    stopped_at: datetime,
) -> SignedEnergy:
    """Verify a session's signed records against its registered meter.

    Raises:
        OcmfVerificationError: with a reason code (no_key, unreadable_record, bad_signature,
            wrong_serial, missing_records, not_this_session, backwards, ...).
    """
    if not meter.public_key:
        raise OcmfVerificationError("no_key", f"meter {meter.serial} has no registered key")
    unreadable = [r for r in records if r.parse_error]
    if unreadable:
        raise OcmfVerificationError("unreadable_record", unreadable[0].parse_error or "")
    parsed = [parse_ocmf(r.ocmf) for r in records if r.ocmf]
    for record in parsed:
        if (
            id_token
            and record.id_token
            and (normalise_token(record.id_token) != normalise_token(id_token))
        ):
            raise OcmfVerificationError(
                "not_this_session", f"record is for id token …{record.id_token[-4:]}"
            )
    return session_energy(
        parsed,
        meter_serial=meter.serial,
        public_key=meter.public_key,
        started_at=started_at,
        stopped_at=stopped_at,
    )
