"""Pure core rules: token normal form, the authorization decision, energy registers."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.authorization.models import IdToken, TokenKind, TokenRecord, TokenStatus
from csms.authorization.rule import decide, normalise_token
from csms.errors import InvalidInput
from csms.handlers.wire.codec import format_timestamp, parse_timestamp
from csms.settlement.measurement import energy_delivered, register_reading, register_wh
from csms.settlement.models import MeterSample
from csms.stations.credentials import hash_password, verify_password

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _trap_floats() -> Iterator[None]:
    """Mixing a float into Decimal arithmetic raises here (style.md §6)."""
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        yield


def test_felica_idm_forms_normalise_to_one_value() -> None:
    """A reader's 01:2e:... and a card list's 012E... are the same card."""
    assert normalise_token("01:2e:3f:4a-5b 6c7d8e") == "012E3F4A5B6C7D8E"


@given(st.text(max_size=40))
def test_normalising_is_idempotent(value: str) -> None:
    """Normalising twice changes nothing."""
    assert normalise_token(normalise_token(value)) == normalise_token(value)


def record(status: TokenStatus, expires: datetime | None = None) -> TokenRecord:
    return TokenRecord("ABC", TokenKind.UNKNOWN, status, expires, "GROUP")


@pytest.mark.parametrize(
    ("stored", "token_kind", "expected"),
    [
        (None, TokenKind.UNKNOWN, TokenStatus.INVALID),
        (None, TokenKind.NO_AUTHORIZATION, TokenStatus.INVALID),  # the type never decides
        (record(TokenStatus.ACCEPTED), TokenKind.ISO14443, TokenStatus.ACCEPTED),
        (record(TokenStatus.BLOCKED), TokenKind.ISO14443, TokenStatus.BLOCKED),
        (record(TokenStatus.EXPIRED), TokenKind.UNKNOWN, TokenStatus.EXPIRED),
        (
            record(TokenStatus.ACCEPTED, NOW - timedelta(seconds=1)),
            TokenKind.UNKNOWN,
            TokenStatus.EXPIRED,
        ),
        (
            record(TokenStatus.ACCEPTED, NOW + timedelta(days=1)),
            TokenKind.UNKNOWN,
            TokenStatus.ACCEPTED,
        ),
    ],
)
def test_authorization_decision(
    stored: TokenRecord | None, token_kind: TokenKind, expected: TokenStatus
) -> None:
    """One rule decides for 1.6 and 2.0.1; the token type alone never accepts a known card."""
    result = decide(stored, IdToken("ABC", token_kind), NOW)
    assert result.status is expected
    if stored is not None:
        assert result.group_id == "GROUP"


def sample(
    value: str,
    unit: str = "Wh",
    multiplier: int = 0,
    context: str = "Sample.Periodic",
    measurand: str = "Energy.Active.Import.Register",
) -> MeterSample:
    return MeterSample(NOW, measurand, Decimal(value), unit, multiplier, context=context)


@pytest.mark.parametrize(
    ("value", "unit", "multiplier", "wh"),
    [
        ("1234", "Wh", 0, "1234"),
        ("12.345", "kWh", 0, "12345"),
        ("12.3456", "kWh", 0, "12345.6"),
        ("123", "Wh", 3, "123000"),
        ("1.5", "kWh", -1, "150"),
    ],
)
def test_register_in_wh_is_exact(value: str, unit: str, multiplier: int, wh: str) -> None:
    """Units and 2.0.1 multipliers convert without rounding."""
    assert register_wh(sample(value, unit, multiplier)) == Decimal(wh)


def test_non_energy_samples_are_not_registers_and_wrong_units_are_refused() -> None:
    """Power is not an energy register; an energy register in volts is an error."""
    assert register_wh(sample("7", "W", measurand="Power.Active.Import")) is None
    with pytest.raises(InvalidInput):
        register_wh(sample("7", "V"))


def test_register_reading_prefers_the_context_then_falls_back() -> None:
    """Transaction.Begin/End readings win; else the first/last register."""
    samples = [sample("10"), sample("5", context="Transaction.Begin"), sample("30")]
    assert register_reading(samples, "Transaction.Begin", last=False) == Decimal(5)
    assert register_reading(samples, "Transaction.End", last=True) == Decimal(30)
    assert register_reading([], "Transaction.End", last=True) is None
    assert energy_delivered(Decimal(5), Decimal(30)) == Decimal(25)
    assert energy_delivered(None, Decimal(30)) is None


def test_timestamps_keep_their_instant_and_are_sent_in_utc() -> None:
    """Any offset is accepted; a missing offset is UTC; we send Z with milliseconds."""
    jst = parse_timestamp("2025-02-01T00:00:00+09:00")
    assert jst == datetime(2025, 1, 31, 15, tzinfo=UTC)
    assert parse_timestamp("2025-01-31T15:00:00").tzinfo is UTC
    assert format_timestamp(jst) == "2025-01-31T15:00:00.000Z"


def test_passwords_are_stored_hashed_and_verified() -> None:
    """A stored hash verifies the right password only."""
    stored = hash_password("s3cret-pass-0123456")
    assert "s3cret" not in stored
    assert verify_password("s3cret-pass-0123456", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("s3cret-pass-0123456", "garbage")


def test_both_16_authorization_key_forms_are_accepted() -> None:
    """A key configured as hex verifies when the station sends the hex text or the raw bytes."""
    key_hex = "00112233445566778899AABBCCDDEEFF"  # 16 bytes
    stored = hash_password(key_hex, hex_key=True)
    assert verify_password(key_hex, stored)
    assert verify_password(key_hex.lower(), stored)
    raw_text = "A secret key of 24 bytes"
    stored_raw = hash_password(raw_text)
    assert verify_password(raw_text, stored_raw)
    assert verify_password(raw_text.encode().hex(), stored_raw)  # sent as hex of the text
    assert not verify_password("00112233445566778899AABBCCDDEEF0", stored)


@pytest.mark.parametrize(
    ("key", "hex_key"),
    [("short", False), ("x" * 41, False), ("ABCD", True), ("not hex at all!!", True)],
)
def test_station_passwords_are_16_to_40_bytes(key: str, hex_key: bool) -> None:
    """1.6 AuthorizationKey length rule, enforced when a password is set."""
    with pytest.raises(InvalidInput):
        hash_password(key, hex_key=hex_key)
