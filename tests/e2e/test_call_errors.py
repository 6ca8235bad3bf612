"""Every CallError case of our RPC layer, both versions, asserting the exact frame sent.

OCPP-J 1.6 Table 7 spells FormationViolation and OccurenceConstraintViolation and has no
RpcFrameworkError/MessageTypeNotSupported; 2.0.1 Part 4 Table 8 has them all.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from simulators.client import OcppClient
from tests.conftest import unique

INVALID_JSON = '[2, "1", "Heartbeat", {'
BOOT_16 = {"chargePointVendor": "V", "chargePointModel": "M"}
BOOT_201 = {"chargingStation": {"vendorName": "V", "model": "M"}, "reason": "PowerUp"}

# (case, version, frame sent, exact frame expected)
CASES: list[tuple[str, str, str, list[Any]]] = [
    (
        "invalid json",
        "1.6",
        INVALID_JSON,
        [4, "-1", "FormationViolation", "message is not valid JSON", {}],
    ),
    (
        "invalid json",
        "2.0.1",
        INVALID_JSON,
        [4, "-1", "RpcFrameworkError", "message is not valid JSON", {}],
    ),
    (
        "not a list",
        "1.6",
        '{"id": 1}',
        [4, "-1", "FormationViolation", "message is not a JSON array", {}],
    ),
    (
        "not a list",
        "2.0.1",
        '{"id": 1}',
        [4, "-1", "RpcFrameworkError", "message is not a JSON array", {}],
    ),
    (
        "no message id",
        "2.0.1",
        '[2, 17, "Heartbeat", {}]',
        [4, "-1", "RpcFrameworkError", "message id missing or not a string of 1-36", {}],
    ),
    (
        "unknown message type",
        "1.6",
        '[7, "m3", "Heartbeat", {}]',
        [4, "m3", "GenericError", "message type 7 is not supported", {}],
    ),
    (
        "unknown message type",
        "2.0.1",
        '[7, "m3", "Heartbeat", {}]',
        [4, "m3", "MessageTypeNotSupported", "message type 7 is not supported", {}],
    ),
    (
        "unknown action",
        "1.6",
        '[2, "m4", "MakeCoffee", {}]',
        [4, "m4", "NotImplemented", "unknown action 'MakeCoffee'", {}],
    ),
    (
        "unknown action",
        "2.0.1",
        '[2, "m4", "MakeCoffee", {}]',
        [4, "m4", "NotImplemented", "unknown action 'MakeCoffee'", {}],
    ),
    (
        "known, not handled",
        "1.6",
        '[2, "m5", "SignCertificate", {"csr": "x"}]',
        [4, "m5", "NotSupported", "SignCertificate is not supported", {}],
    ),
    (
        "known, not handled",
        "2.0.1",
        '[2, "m5", "SignCertificate", {"csr": "x"}]',
        [4, "m5", "NotSupported", "SignCertificate is not supported", {}],
    ),
    (
        "payload not an object",
        "1.6",
        '[2, "m6", "Heartbeat", []]',
        [4, "m6", "ProtocolError", "payload must be a JSON object", {}],
    ),
    (
        "payload not an object",
        "2.0.1",
        '[2, "m6", "Heartbeat", []]',
        [4, "m6", "ProtocolError", "payload must be a JSON object", {}],
    ),
    (
        "call too short",
        "2.0.1",
        '[2, "m6b", "Heartbeat"]',
        [4, "m6b", "ProtocolError", "CALL must be [2, id, action, payload]", {}],
    ),
    (
        "unknown field",
        "1.6",
        '[2, "m7", "Heartbeat", {"colour": "red"}]',
        [
            4,
            "m7",
            "FormationViolation",
            "payload: must not contain {'colour'} properties",
            {"field": "payload", "rule": "additionalProperties"},
        ],
    ),
    (
        "unknown field",
        "2.0.1",
        '[2, "m7", "Heartbeat", {"colour": "red"}]',
        [
            4,
            "m7",
            "FormatViolation",
            "payload: must not contain {'colour'} properties",
            {"field": "payload", "rule": "additionalProperties"},
        ],
    ),
    (
        "wrong type",
        "1.6",
        json.dumps([2, "m8", "BootNotification", {**BOOT_16, "chargePointVendor": 12}]),
        [
            4,
            "m8",
            "TypeConstraintViolation",
            "chargePointVendor: must be string",
            {"field": "chargePointVendor", "rule": "type"},
        ],
    ),
    (
        "wrong type",
        "2.0.1",
        json.dumps([2, "m8", "Heartbeat", {"customData": 5}]),
        [
            4,
            "m8",
            "TypeConstraintViolation",
            "customData: must be object",
            {"field": "customData", "rule": "type"},
        ],
    ),
    (
        "missing field",
        "1.6",
        json.dumps([2, "m9", "BootNotification", {"chargePointVendor": "V"}]),
        [
            4,
            "m9",
            "OccurenceConstraintViolation",
            "payload: must contain ['chargePointModel'] properties",
            {"field": "payload", "rule": "required"},
        ],
    ),
    (
        "missing field",
        "2.0.1",
        json.dumps([2, "m9", "BootNotification", {"reason": "PowerUp"}]),
        [
            4,
            "m9",
            "OccurrenceConstraintViolation",
            "payload: must contain ['chargingStation'] properties",
            {"field": "payload", "rule": "required"},
        ],
    ),
    (
        "bad enum value",
        "1.6",
        json.dumps(
            [
                2,
                "m10",
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Exploding"},
            ]
        ),
        [
            4,
            "m10",
            "PropertyConstraintViolation",
            "status: must be one of ['Available', 'Preparing', 'Charging', "
            "'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted']",
            {"field": "status", "rule": "enum"},
        ],
    ),
    (
        "bad date-time",
        "2.0.1",
        json.dumps(
            [
                2,
                "m11",
                "StatusNotification",
                {
                    "timestamp": "yesterday",
                    "connectorStatus": "Available",
                    "evseId": 1,
                    "connectorId": 1,
                },
            ]
        ),
        [
            4,
            "m11",
            "PropertyConstraintViolation",
            "timestamp: must be date-time",
            {"field": "timestamp", "rule": "format"},
        ],
    ),
    (
        "too long",
        "1.6",
        json.dumps([2, "m12", "Authorize", {"idTag": "X" * 21}]),
        [
            4,
            "m12",
            "PropertyConstraintViolation",
            "idTag: must be shorter than or equal to 20 characters",
            {"field": "idTag", "rule": "maxLength"},
        ],
    ),
    (
        "unreadable sampled value: kept flagged, answered",
        "1.6",
        json.dumps(
            [
                2,
                "m13",
                "MeterValues",
                {
                    "connectorId": 1,
                    "meterValue": [
                        {"timestamp": "2025-01-01T00:00:00Z", "sampledValue": [{"value": "lots"}]}
                    ],
                },
            ]
        ),
        [3, "m13", {}],
    ),
    (
        "id out of range",
        "1.6",
        json.dumps(
            [
                2,
                "m14",
                "StatusNotification",
                {"connectorId": 99_999_999_999, "errorCode": "NoError", "status": "Available"},
            ]
        ),
        [
            4,
            "m14",
            "PropertyConstraintViolation",
            "connectorId: 99999999999 is out of range (at most 2147483647)",
            {"field": "connectorId"},
        ],
    ),
    (
        "id out of range",
        "2.0.1",
        json.dumps(
            [
                2,
                "m14",
                "StatusNotification",
                {
                    "timestamp": "2025-01-01T00:00:00Z",
                    "connectorStatus": "Available",
                    "evseId": 99_999_999_999,
                    "connectorId": 1,
                },
            ]
        ),
        [
            4,
            "m14",
            "PropertyConstraintViolation",
            "evseId: 99999999999 is out of range (at most 2147483647)",
            {"field": "evseId"},
        ],
    ),
]


@pytest.mark.parametrize(
    ("case", "version", "sent", "expected"), CASES, ids=[f"{c[1]}-{c[0]}" for c in CASES]
)
async def test_call_error_frame(
    case: str, version: str, sent: str, expected: list[Any], ws_url: str
) -> None:
    """The central system answers a bad frame with exactly this CALLERROR, and stays up."""
    subprotocol = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}[version]
    client = await OcppClient.connect(f"{ws_url}/{unique('ERR')}", subprotocol)
    try:
        await client.send_raw(sent)
        async with asyncio.timeout(5):
            answer = await client.raw_answers.get()
        assert answer == expected
        # The connection survives: a good message after the bad one is answered normally.
        assert "currentTime" in await client.call("Heartbeat", {})
    finally:
        await client.close()


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_lone_surrogate_echoed_back_cannot_break_the_socket(
    version: str, ws_url: str
) -> None:
    """A message id (echoed in the answer) or a property name (named in an error) with a
    lone surrogate is answered in ASCII escapes; the station's socket keeps working."""
    subprotocol = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}[version]
    client = await OcppClient.connect(f"{ws_url}/{unique('SUR')}", subprotocol)
    try:
        await client.send_raw('[2, "id-\\ud800", "Heartbeat", {}]')
        await client.send_raw('[2, "m2", "Heartbeat", {"\\udfff": 1}]')
        async with asyncio.timeout(5):
            answers = [await client.raw_answers.get(), await client.raw_answers.get()]
        assert answers[0][:2] == [3, "id-\ud800"]
        assert answers[1][:2] == [4, "m2"]
        for _ in range(40):  # more than the worker's queue: it is still draining it
            assert "currentTime" in await client.call("Heartbeat", {})
    finally:
        await client.close()
