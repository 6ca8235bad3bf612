"""Database rows to core models and back (repositories return core models, never Records)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from csms.authorization.models import (
    AccountRecord,
    AccountStatus,
    TokenKind,
    TokenRecord,
    TokenStatus,
    Visitor,
)
from csms.charging.models import Session, SessionState
from csms.settlement.models import (
    MeterRecord,
    MeterSample,
    SignedRecord,
    Statement,
    StatementLine,
    StatementStatus,
)
from csms.stations.models import Station


def station_from_row(row: asyncpg.Record) -> Station:
    return Station(
        station_id=row["station_id"],
        vendor=row["vendor"],
        model=row["model"],
        serial_number=row["serial_number"],
        firmware_version=row["firmware_version"],
        ocpp_version=row["ocpp_version"],
        connected=row["connected"],
        last_seen_at=row["last_seen_at"],
        last_boot_at=row["last_boot_at"],
        created_at=row["created_at"],
        has_password=row["has_password"],
        security_profile=row["security_profile"],
    )


def token_from_row(row: asyncpg.Record) -> TokenRecord:
    return TokenRecord(
        id_token=row["id_token"],
        kind=TokenKind(row["kind"]),
        status=TokenStatus(row["status"]),
        expires_at=row["expires_at"],
        group_id=row["group_id"],
        created_at=row["created_at"],
        operator_id=row["operator_id"],
        account_id=row["account_id"],
    )


def account_from_row(row: Any) -> AccountRecord:
    return AccountRecord(
        account_id=row["account_id"],
        operator_id=row["operator_id"],
        name=row["name"],
        email=row["email"],
        status=AccountStatus(row["status"]),
        expires_at=row["expires_at"],
        group_id=row["group_id"],
        last_used_at=row["last_used_at"],
        created_at=row["created_at"],
    )


def session_from_row(row: asyncpg.Record) -> Session:
    return Session(
        session_id=row["session_id"],
        station_id=row["station_id"],
        evse_id=row["evse_id"],
        connector_id=row["connector_id"],
        transaction_id=row["transaction_id"],
        ocpp_version=row["ocpp_version"],
        id_token=row["id_token"],
        token_kind=TokenKind(row["token_kind"]) if row["token_kind"] else None,
        authorization_status=(
            TokenStatus(row["authorization_status"]) if row["authorization_status"] else None
        ),
        started_at=row["started_at"],
        stopped_at=row["stopped_at"],
        meter_start_wh=row["meter_start_wh"],
        meter_stop_wh=row["meter_stop_wh"],
        energy_wh=row["energy_wh"],
        stop_reason=row["stop_reason"],
        state=SessionState(row["state"]),
        offline=row["offline"],
        last_seq_no=row["last_seq_no"],
        visitor_id=row["visitor_id"],
        remote_start_id=row["remote_start_id"],
        flag=row["flag"],
    )


def sample_from_row(row: asyncpg.Record) -> MeterSample:
    return MeterSample(
        sampled_at=row["sampled_at"],
        measurand=row["measurand"],
        value=row["value"],
        unit=row["unit"],
        multiplier=row["multiplier"],
        phase=row["phase"],
        context=row["context"],
        location=row["location"],
        signed_data=row["signed_data"],
        signing_method=row["signing_method"],
        encoding_method=row["encoding_method"],
        public_key=row["public_key"],
    )


def line_json(line: StatementLine) -> dict[str, str]:
    return {
        "kind": line.kind,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "amount": str(line.amount),
    }


def statement_from_row(row: asyncpg.Record) -> Statement:
    return Statement(
        statement_id=row["statement_id"],
        session_id=row["session_id"],
        status=StatementStatus(row["status"]),
        tariff_id=row["tariff_id"],
        tariff_version=row["tariff_version"],
        currency=row["currency"],
        lines=tuple(
            StatementLine(
                item["kind"],
                Decimal(item["quantity"]),
                item["unit"],
                Decimal(item["unit_price"]),
                Decimal(item["amount"]),
            )
            for item in row["lines"]
        ),
        total=row["total"],
        tax_included=row["tax_included"],
        tax_rate_percent=row["tax_rate_percent"],
        waiver=row["waiver"],
        unpriced_reason=row["unpriced_reason"],
        inputs=row["inputs"],
        corrects=row["corrects"],
        correction_reason=row["correction_reason"],
        issued_at=row["issued_at"],
    )


def visitor_from_row(row: asyncpg.Record) -> Visitor:
    return Visitor(
        visitor_id=row["visitor_id"],
        stand_id=row["stand_id"],
        name=row["name"],
        email=row["email"],
        payment_reference=row["payment_reference"],
        notify=row["notify"],
        registered_at=row["registered_at"],
    )


def meter_from_row(row: asyncpg.Record) -> MeterRecord:
    return MeterRecord(
        serial=row["serial"],
        maker=row["maker"],
        model=row["model"],
        year=row["year"],
        accuracy_class=row["accuracy_class"],
        public_key=row["public_key"],
        station_id=row["station_id"],
        evse_id=row["evse_id"],
        site=row["site"],
        location_note=row["location_note"],
        signs_ocmf=row["signs_ocmf"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def signed_from_row(row: asyncpg.Record) -> SignedRecord:
    return SignedRecord(
        record_id=row["record_id"],
        session_id=row["session_id"],
        station_id=row["station_id"],
        transaction_id=row["transaction_id"],
        carrier=row["carrier"],
        raw=row["raw"],
        ocmf=row["ocmf"],
        public_key=row["public_key"],
        parse_error=row["parse_error"],
        received_at=row["received_at"],
    )


def jsonable_session(session: Session) -> dict[str, Any]:
    return {
        "session_id": str(session.session_id),
        "station_id": session.station_id,
        "evse_id": session.evse_id,
        "connector_id": session.connector_id,
        "transaction_id": session.transaction_id,
        "ocpp_version": session.ocpp_version,
        "id_token": session.id_token,
        "token_kind": session.token_kind,
        "authorization_status": session.authorization_status,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "meter_start_wh": session.meter_start_wh,
        "meter_stop_wh": session.meter_stop_wh,
        "energy_wh": session.energy_wh,
        "stop_reason": session.stop_reason,
        "state": session.state,
        "offline": session.offline,
        "last_seq_no": session.last_seq_no,
    }


def reading_columns(sample: MeterSample) -> tuple[object, ...]:
    """A sample's reading columns, in the order of INSERT_SAMPLE and INSERT_SAMPLES_BATCH:
    sampled_at, measurand, value, unit, multiplier, phase, context, location."""
    return (
        sample.sampled_at,
        sample.measurand,
        sample.value,
        sample.unit,
        sample.multiplier,
        sample.phase,
        sample.context,
        sample.location,
    )
