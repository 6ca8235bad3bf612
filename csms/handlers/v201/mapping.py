"""OCPP 2.0.1 wire <-> core translations. No rules here: only shapes and names."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpp.v201 import call_result, datatypes, enums

from csms.authorization.models import AuthorizationResult, IdToken, TokenKind
from csms.authorization.rule import make_token
from csms.charging import commands as charging_cmd
from csms.handlers.mapping import boot_answer, read_samples, to_sample
from csms.handlers.wire.codec import format_timestamp, parse_timestamp
from csms.settlement.models import MeterSample
from csms.station_commands import commands as operator_cmd
from csms.stations import commands as station_cmd

VERSION = "2.0.1"
_KINDS = {kind.value: kind for kind in TokenKind}


def to_token(id_token: dict[str, Any]) -> IdToken:
    return make_token(id_token["id_token"], _KINDS.get(id_token["type"], TokenKind.UNKNOWN))


def from_authorization(result: AuthorizationResult) -> datatypes.IdTokenInfoType:
    return datatypes.IdTokenInfoType(
        status=enums.AuthorizationStatusEnumType(result.status.value),
        cache_expiry_date_time=format_timestamp(result.expires_at) if result.expires_at else None,
        group_id_token=(
            datatypes.IdTokenType(id_token=result.group_id, type=enums.IdTokenEnumType.central)
            if result.group_id
            else None
        ),
    )


def to_samples(meter_value: list[dict[str, Any]] | None) -> tuple[MeterSample, ...]:
    """2.0.1 MeterValueType list (snake_case keys) to samples; signed values kept verbatim;
    one that cannot be read (off SampledValueType) kept as unreadable."""
    return read_samples(meter_value or [], "v201", _sample)


def _sample(sampled_at: datetime, sv: dict[str, Any]) -> MeterSample:
    unit = sv.get("unit_of_measure") or {}
    signed = sv.get("signed_meter_value") or {}
    return to_sample(
        sampled_at,
        sv,
        value=Decimal(sv["value"]),
        unit=unit.get("unit", "Wh"),
        multiplier=int(unit.get("multiplier", 0)),
        signed_data=signed.get("signed_meter_data"),
        signing_method=signed.get("signing_method"),
        encoding_method=signed.get("encoding_method"),
        public_key=signed.get("public_key"),
    )


def to_meter_values(
    station_id: str, evse_id: int, meter_value: list[dict[str, Any]], **_: Any
) -> charging_cmd.RecordMeterValues:
    """MeterValues: 2.0.1 sends them outside transactions (J01), so without a transaction id."""
    return charging_cmd.RecordMeterValues(
        station_id=station_id,
        evse_id=evse_id,
        transaction_id=None,
        samples=to_samples(meter_value),
    )


def to_transaction_event(
    station_id: str,
    event_type: str,
    timestamp: str,
    trigger_reason: str,
    seq_no: int,
    transaction_info: dict[str, Any],
    offline: bool = False,
    evse: dict[str, Any] | None = None,
    id_token: dict[str, Any] | None = None,
    meter_value: list[dict[str, Any]] | None = None,
    reservation_id: int | None = None,
    **_: Any,
) -> charging_cmd.RecordTransactionEvent:
    """A TransactionEvent's fields (E01-E07, snake_case) as the neutral transaction event."""
    return charging_cmd.RecordTransactionEvent(
        station_id=station_id,
        ocpp_version=VERSION,
        kind=charging_cmd.TransactionEventKind(event_type),
        transaction_id=transaction_info["transaction_id"],
        station_issues_id=True,  # E01: the station names its transactions
        seq_no=seq_no,
        timestamp=parse_timestamp(timestamp),
        trigger=trigger_reason,
        offline=offline,
        evse_id=evse["id"] if evse else None,
        connector_id=evse.get("connector_id") if evse else None,
        id_token=to_token(id_token) if id_token else None,
        stop_reason=transaction_info.get("stopped_reason")
        or ("Local" if event_type == "Ended" else None),
        samples=to_samples(meter_value),
        remote_start_id=transaction_info.get("remote_start_id"),
        reservation_id=reservation_id,
    )


def transaction_event_result(
    recorded: charging_cmd.TransactionEventRecorded, message: dict[str, str] | None = None
) -> call_result.TransactionEvent:
    """The answer; an ended transaction's carries its total cost and ``message``, the cost as
    text for the driver (I03: updatedPersonalMessage)."""
    info = recorded.authorization
    return call_result.TransactionEvent(
        id_token_info=from_authorization(info) if info else None,
        total_cost=recorded.total_cost,  # a Decimal: our encoder writes it exactly
        updated_personal_message=message,
    )


def boot_result(booted: station_cmd.StationBooted) -> call_result.BootNotification:
    return boot_answer(booted, call_result.BootNotification, enums.RegistrationStatusEnumType)


def _token_type(kind: str) -> str:
    """2.0.1 needs a type; cards registered without one are FeliCa/RFID cards (ISO14443)."""
    return kind if kind in _KINDS and kind != TokenKind.UNKNOWN else TokenKind.ISO14443.value


def list_entry(entry: operator_cmd.LocalListEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id_token": {"id_token": entry.id_token, "type": _token_type(entry.kind)}
    }
    if entry.authorization is not None:
        # a dataclass inside a dict is not serialized by the library: make it a dict here
        item["id_token_info"] = dataclasses.asdict(from_authorization(entry.authorization))
    return item
