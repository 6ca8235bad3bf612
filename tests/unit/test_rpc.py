"""Our OCPP-J layer without a socket: framing, encoding, schema error mapping."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ocpp.v16 import call_result, datatypes, enums

from csms.handlers.routing import handlers_of, on
from csms.handlers.wire.codec import dumps, payload_of, to_camel, to_snake
from csms.handlers.wire.dialects import V16, V201, ErrorCode, RpcError
from csms.handlers.wire.frames import Call, CallError, CallResult, error_frame, parse_frame
from csms.handlers.wire.schemas import Schemas


def test_call_result_and_error_frames_parse() -> None:
    """The three OCPP-J message types become typed frames."""
    assert parse_frame('[2,"a","Heartbeat",{}]') == Call("a", "Heartbeat", {})
    assert parse_frame('[3,"a",{"x":1}]') == CallResult("a", {"x": 1})
    assert parse_frame('[4,"a","NotSupported","no",{}]') == CallError("a", "NotSupported", "no", {})


def test_numbers_are_parsed_as_decimal_never_float() -> None:
    """Energy values keep every digit: 0.1 + 0.2 stays exact."""
    frame = parse_frame('[2,"a","MeterValues",{"v":12345.678901234567}]')
    assert isinstance(frame, Call)
    assert frame.payload["v"] == Decimal("12345.678901234567")


def test_decimal_is_written_exactly_not_with_one_decimal() -> None:
    """The ocpp library writes Decimal('12.345') as 12.3; we write 12.345 and ints as ints."""
    assert dumps([3, "a", {"a": Decimal("12.345"), "b": Decimal("7.000")}]) == (
        '[3,"a",{"a":12.345,"b":7}]'
    )


@pytest.mark.parametrize(
    ("raw", "code", "message_id"),
    [
        ("not json", ErrorCode.RPC_FRAMEWORK, "-1"),
        ("[]", ErrorCode.RPC_FRAMEWORK, "-1"),
        ('"text"', ErrorCode.RPC_FRAMEWORK, "-1"),
        ('[2, null, "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK, "-1"),
        (f'[2, "{"x" * 37}", "Heartbeat", {{}}]', ErrorCode.RPC_FRAMEWORK, "-1"),
        ('[9, "id", "Heartbeat", {}]', ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "id"),
        ('[2, "id", 5, {}]', ErrorCode.PROTOCOL, "id"),
        ('[2, "id", "Heartbeat", "x"]', ErrorCode.PROTOCOL, "id"),
        ('[3, "id"]', ErrorCode.RPC_FRAMEWORK, "id"),
        ('[4, "id", 1, 2, 3]', ErrorCode.RPC_FRAMEWORK, "id"),
    ],
)
def test_malformed_frames_raise_the_right_error(raw: str, code: ErrorCode, message_id: str) -> None:
    """Each malformed frame maps to one semantic error and keeps the id when readable."""
    with pytest.raises(RpcError) as raised:
        parse_frame(raw)
    assert raised.value.code is code
    assert raised.value.message_id == message_id


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_input_parses_or_raises_rpc_error(raw: bytes | str) -> None:
    """Fuzz: nothing a station sends crashes the parser with another exception."""
    with contextlib.suppress(RpcError):
        parse_frame(raw)


def test_error_codes_are_spelled_per_version() -> None:
    """1.6 keeps its spellings (FormationViolation, OccurenceConstraintViolation)."""
    error = RpcError(ErrorCode.FORMAT, "x", message_id="1")
    assert json.loads(error_frame(V16, error))[2] == "FormationViolation"
    assert json.loads(error_frame(V201, error))[2] == "FormatViolation"
    occurrence = RpcError(ErrorCode.OCCURRENCE_CONSTRAINT, "x", message_id="1")
    assert json.loads(error_frame(V16, occurrence))[2] == "OccurenceConstraintViolation"
    assert json.loads(error_frame(V201, occurrence))[2] == "OccurrenceConstraintViolation"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"chargePointVendor": "V"}, ErrorCode.OCCURRENCE_CONSTRAINT),
        ({"chargePointVendor": 1, "chargePointModel": "M"}, ErrorCode.TYPE_CONSTRAINT),
        ({"chargePointVendor": "V" * 21, "chargePointModel": "M"}, ErrorCode.PROPERTY_CONSTRAINT),
        ({"chargePointVendor": "V", "chargePointModel": "M", "x": 1}, ErrorCode.FORMAT),
    ],
)
def test_schema_violations_map_to_codes(payload: dict[str, Any], code: ErrorCode) -> None:
    """Compiled validation reports the OCPP-J error class of each violation."""
    with pytest.raises(RpcError) as raised:
        Schemas(V16).validate_request("BootNotification", payload, "m")
    assert raised.value.code is code


def test_known_actions_come_from_the_schema_files() -> None:
    """1.6 and 2.0.1 action sets are read from the library's schemas."""
    assert {"BootNotification", "StartTransaction", "SignCertificate"} <= Schemas(V16).actions
    assert {"TransactionEvent", "NotifyEvent"} <= Schemas(V201).actions
    assert "TransactionEvent" not in Schemas(V16).actions


def test_key_case_conversion_round_trips_library_special_cases() -> None:
    """camelCase <-> snake_case uses the library's rules (SoC, URL, CSMS)."""
    wire = {"idTagInfo": {"parentIdTag": "A"}, "meterValue": [{"sampledValue": [{"a": 1}]}]}
    assert to_snake(wire) == {
        "id_tag_info": {"parent_id_tag": "A"},
        "meter_value": [{"sampled_value": [{"a": 1}]}],
    }
    assert to_camel(to_snake(wire)) == wire


def test_library_dataclasses_become_payloads_without_none() -> None:
    """A call_result dataclass is sent camelCase, without None fields, enums as values."""
    result = call_result.Authorize(
        id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted)
    )
    payload = payload_of(result)
    assert json.loads(dumps([3, "1", payload])) == [3, "1", {"idTagInfo": {"status": "Accepted"}}]


def test_payloads_are_what_the_librarys_three_passes_give() -> None:
    """One pass (payload_of) equals the ocpp library's serialize_as_dict + remove_nones +
    camelCase, for nested dataclasses, lists of them, dicts inside, and None anywhere."""
    from ocpp.charge_point import remove_nones, serialize_as_dict
    from ocpp.v16 import call as call_v16
    from ocpp.v201 import call as call_v201
    from ocpp.v201 import call_result as result_v201
    from ocpp.v201 import datatypes as types_v201

    token = types_v201.IdTokenType(id_token="G", type="Central")
    messages: list[Any] = [
        result_v201.TransactionEvent(
            id_token_info=types_v201.IdTokenInfoType(status="Accepted", group_id_token=token),
            total_cost=Decimal("12.5"),
        ),
        result_v201.TransactionEvent(),
        call_result.StartTransaction(
            transaction_id=5, id_tag_info={"status": "Accepted", "parent_id_tag": None}
        ),
        call_v201.SetVariables(
            set_variable_data=[
                types_v201.SetVariableDataType(
                    attribute_value="1",
                    component=types_v201.ComponentType(name="C", evse=types_v201.EVSEType(id=1)),
                    variable=types_v201.VariableType(name="V"),
                )
            ]
        ),
        call_v16.SendLocalList(
            list_version=1,
            update_type="Full",
            local_authorization_list=[{"id_tag": "A", "id_tag_info": {"status": "Accepted"}}],
        ),
    ]
    for message in messages:
        assert payload_of(message) == to_camel(remove_nones(serialize_as_dict(message)))


def test_handlers_are_collected_from_marked_methods() -> None:
    """@on marks adapter methods; handlers_of binds them per instance."""

    class Adapter:
        @on("Heartbeat")
        async def beat(self) -> dict[str, Any]:
            return {}

    table = handlers_of(Adapter())
    assert list(table) == ["Heartbeat"]


def test_handler_arguments_are_snake_case_and_safe_to_store_in_one_walk() -> None:
    """Keys become snake_case; text that cannot be stored is replaced, or refused where it
    identifies something; integers beyond their column are refused, naming the field with
    its list index, except a sampled value's numbers."""
    from csms.handlers.wire.guard import handler_arguments

    sample = {"sampledValue": [{"value": 10**30, "unit": "Wh"}], "timestamp": "t"}
    fields = handler_arguments(
        {"connectorId": 1, "meterValue": [sample], "vendorId": "a\u0000b", "data": "x\ud800"}
    )
    assert fields == {
        "connector_id": 1,
        "meter_value": [{"sampled_value": [{"value": 10**30, "unit": "Wh"}], "timestamp": "t"}],
        "vendor_id": "a\ufffdb",
        "data": "x\ufffd",
    }
    refused = [
        ({"evse": {"id": 2**31}}, "evse.id: 2147483648 is out of range (at most 2147483647)"),
        ({"idTagInfo": {"parentIdTag": "a\u0000"}}, "idTagInfo.parentIdTag: contains a NUL"),
        ({"items": [{}, {"connectorId": 2**40}]}, "items[1].connectorId: 1099511627776 is out"),
        ({"seqNo": 2**64}, "seqNo: 18446744073709551616 is out of range"),
        ({"data": [[1, 2**70]]}, "data[0][1]: 1180591620717411303424 is out of range"),
        ({"a": [[{"idTag": "\u0000"}]]}, "a[0][0].idTag: contains a NUL"),
    ]
    for payload, message in refused:
        with pytest.raises(RpcError) as caught:
            handler_arguments(payload)
        assert caught.value.code is ErrorCode.PROPERTY_CONSTRAINT
        assert caught.value.description.startswith(message)
    assert handler_arguments({"meterStart": 2**70}) == {"meter_start": 2**70}
