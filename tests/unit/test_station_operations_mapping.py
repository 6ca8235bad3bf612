"""Operator commands as each version's Call, raw calls, schema order, the token's two forms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from csms.authorization.rule import make_token, normalise_token
from csms.errors import InvalidInput
from csms.handlers.schema_order import in_schema_order
from csms.handlers.v16 import mapping as v16
from csms.handlers.v201 import calls as v201
from csms.handlers.wire.codec import payload_of
from csms.station_commands import commands as cmd


@pytest.mark.parametrize(
    ("kind", "on16", "on201"),
    [("Soft", "Soft", "OnIdle"), ("Hard", "Hard", "Immediate"), ("OnIdle", "Soft", "OnIdle"),
     ("Immediate", "Hard", "Immediate")],
)  # fmt: skip
def test_reset_types_map_to_each_versions_words(kind: str, on16: str, on201: str) -> None:
    assert payload_of(v16.to_call(cmd.Reset(kind))) == {"type": on16}
    assert payload_of(v201.to_call(cmd.Reset(kind, 2))) == {"type": on201, "evseId": 2}
    with pytest.raises(InvalidInput):
        v16.to_call(cmd.Reset(kind, 1))


def test_a_raw_call_is_its_payload_if_the_csms_sends_that_action() -> None:
    assert v16.to_call(cmd.RawCall("ClearCache", {})) == {}
    assert v201.to_call(cmd.RawCall("GetBaseReport", {"requestId": 1})) == {"requestId": 1}
    with pytest.raises(InvalidInput, match="not a call a central system sends"):
        v16.to_call(cmd.RawCall("BootNotification", {}))
    with pytest.raises(InvalidInput):
        v201.to_call(cmd.RawCall("RemoteStartTransaction", {}))  # a 1.6 name


def test_payloads_follow_the_schemas_field_order() -> None:
    start = payload_of(v16.to_call(cmd.RemoteStart(1, "CERT-TAG-1", 7)))
    assert list(in_schema_order("v16", "RemoteStartTransaction", start)) == ["connectorId", "idTag"]
    at = datetime(2027, 1, 1, tzinfo=UTC)
    update = payload_of(v201.to_call(cmd.UpdateFirmware("https://x/", at, 5, retries=1)))
    ordered = in_schema_order("v201", "UpdateFirmwareRequest", update)
    assert list(ordered) == ["retries", "requestId", "firmware"]
    assert list(ordered["firmware"]) == ["location", "retrieveDateTime"]


def test_a_token_matches_in_normal_form_and_is_kept_as_sent() -> None:
    assert normalise_token("01:2e:3f:4a") == "012E3F4A"  # a hex card id: separators dropped
    assert normalise_token("cert-tag-1") == "CERT-TAG-1"  # not hex: only the case
    token = make_token("cert-tag-1")
    assert (token.value, token.as_sent) == ("CERT-TAG-1", "cert-tag-1")
