"""A station's answer is audited without the values of its credentials."""

from __future__ import annotations

from csms.access.audited_gateway import _without_secrets


def test_credential_values_in_answers_are_not_stored() -> None:
    v16 = {
        "configurationKey": [
            {"key": "AuthorizationKey", "readonly": False, "value": "secret-of-16-bytes"},
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        ]
    }
    v201 = {
        "getVariableResult": [
            {
                "attributeStatus": "Accepted",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "attributeValue": "secret-of-16-bytes",
            },
            {
                "attributeStatus": "Accepted",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "attributeValue": "300",
            },
        ]
    }
    assert "secret" not in str(_without_secrets(v16)) + str(_without_secrets(v201))
    assert _without_secrets(v16)["configurationKey"][1]["value"] == "300"
    assert _without_secrets(v201)["getVariableResult"][1]["attributeValue"] == "300"
    assert _without_secrets({"status": "Accepted"}) == {"status": "Accepted"}
