"""OCMF parsing and verification on real records from real meters (S.A.F.E. test data)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key
from hypothesis import given, settings
from hypothesis import strategies as st

from csms.cli import main
from csms.meter.ocmf import OcmfFormatError, extract_ocmf, parse_ocmf, parse_time
from csms.meter.verify import OcmfVerificationError, session_energy, verify_signature

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ocmf"
RECORDS = {
    "lem-dcbm": "lem-dcbm",
    "keba-kcp30": "keba-kcp30",
    "dzg-ebee-1": "dzg-ebee",
    "dzg-ebee-2": "dzg-ebee",
}


def record_and_key(name: str) -> tuple[str, str]:
    text = (FIXTURES / f"{name}.ocmf").read_text().strip()
    key = (FIXTURES / f"{RECORDS[name]}.pubkey.hex").read_text().strip()
    return text, key


def tampered(text: str) -> list[str]:
    """Every variant with one digit of a reading value changed."""
    payload_end = text.index("|{", len("OCMF|") + 1)
    variants = []
    for match in re.finditer(r'"RV":"?(\d)', text[:payload_end]):
        position = match.start(1)
        digit = text[position]
        variants.append(text[:position] + str((int(digit) + 1) % 10) + text[position + 1 :])
    return variants


@pytest.mark.parametrize("name", list(RECORDS))
def test_real_records_verify_and_any_changed_digit_fails(name: str) -> None:
    """Each real record verifies with its meter's key; changing one reading digit breaks it."""
    text, key = record_and_key(name)
    verify_signature(parse_ocmf(text), key)
    variants = tampered(text)
    assert variants
    for variant in variants:
        with pytest.raises(OcmfVerificationError):
            verify_signature(parse_ocmf(variant), key)


@pytest.mark.parametrize("name", list(RECORDS))
def test_cli_says_valid_then_invalid(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`csms ocmf verify`: exit 0 for the record, 1 once a digit of the payload changes."""
    text, key = record_and_key(name)
    good, bad = tmp_path / "good.ocmf", tmp_path / "bad.ocmf"
    good.write_text(text)
    bad.write_text(tampered(text)[0])
    assert main(["ocmf", "verify", str(good), "--public-key", key]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["ocmf", "verify", str(bad), "--public-key", key]) == 1
    assert "invalid" in capsys.readouterr().out
    unreadable = tmp_path / "x.ocmf"
    unreadable.write_text("OCMF|{")
    assert main(["ocmf", "verify", str(unreadable), "--public-key", key]) == 2


@pytest.mark.filterwarnings("ignore::UserWarning")  # pyocmf notes LEM id token format
def test_our_verdicts_match_pyocmf() -> None:
    """Cross-check with the independent pyocmf library on every record and tampering."""
    from pyocmf import OCMF

    for name in RECORDS:
        text, key = record_and_key(name)
        for candidate in [text, *tampered(text)]:
            theirs = OCMF.from_string(candidate).verify_signature(key)
            try:
                verify_signature(parse_ocmf(candidate), key)
                ours = True
            except OcmfVerificationError:
                ours = False
            assert ours == bool(theirs), (name, candidate[:60])


def test_lem_record_reads_begin_and_end_exactly() -> None:
    """LEM: one record, begin and end import readings in kWh, exact decimals and times."""
    text, key = record_and_key("lem-dcbm")
    record = parse_ocmf(text)
    assert record.meter_serial == "1211751603"
    begin, end = record.energy_readings("B")[0], record.energy_readings("E")[0]
    assert (begin.value, end.value, begin.unit) == (Decimal("57.584"), Decimal("58.685"), "kWh")
    assert begin.time == datetime(2021, 10, 6, 11, 13, 56, tzinfo=UTC)
    signed = session_energy(
        [record],
        meter_serial="1211751603",
        public_key=key,
        started_at=datetime(2021, 10, 6, 11, 13, tzinfo=UTC),
        stopped_at=datetime(2021, 10, 6, 11, 16, tzinfo=UTC),
    )
    assert signed.energy_wh == Decimal("1101.000")
    with pytest.raises(OcmfVerificationError) as wrong:
        session_energy(
            [record], meter_serial="999", public_key=key, started_at=begin.time, stopped_at=end.time
        )  # type: ignore[arg-type]
    assert wrong.value.code == "wrong_serial"
    with pytest.raises(OcmfVerificationError) as elsewhere:
        session_energy(
            [record],
            meter_serial="1211751603",
            public_key=key,
            started_at=datetime(2022, 1, 1, tzinfo=UTC),
            stopped_at=datetime(2022, 1, 2, tzinfo=UTC),
        )
    assert elsewhere.value.code == "not_this_session"


def test_separate_begin_and_end_records_in_wh() -> None:
    """DZG behind ebee: two records, readings in Wh."""
    first, key = record_and_key("dzg-ebee-1")
    second, _ = record_and_key("dzg-ebee-2")
    records = [parse_ocmf(first), parse_ocmf(second)]
    begin_time = records[0].energy_readings("B")[0].time
    assert begin_time is not None
    signed = session_energy(
        records,
        meter_serial="000033022620",
        public_key=key,
        started_at=begin_time - timedelta(minutes=1),
        stopped_at=begin_time + timedelta(days=1),
    )
    assert signed.begin.unit == "Wh"
    assert signed.energy_wh >= 0


@pytest.mark.parametrize("carrier", ["hex", "base64", "json", "plain"])
def test_every_carrier_yields_the_same_text(carrier: str) -> None:
    """1.6 SignedData plain/hex/JSON wrapper and 2.0.1 base64 all give the record back."""
    text, _ = record_and_key("keba-kcp30")
    wrapped = {
        "plain": text,
        "hex": text.encode().hex(),
        "base64": base64.b64encode(text.encode()).decode(),
        "json": json.dumps({"signedMeterData": text, "transactionId": 7}),
    }[carrier]
    assert extract_ocmf(wrapped) == text


def test_raw_public_keys_work_too() -> None:
    """A meter's key printed as a raw 64-byte point verifies like the DER form."""
    text, key = record_and_key("lem-dcbm")
    point = load_der_public_key(bytes.fromhex(key)).public_bytes(  # type: ignore[union-attr]
        *_raw_format()
    )
    verify_signature(parse_ocmf(text), point[1:].hex())


def _raw_format() -> tuple[object, object]:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return Encoding.X962, PublicFormat.UncompressedPoint


def test_ocmf_times() -> None:
    """Comma decimals, offsets with or without a colon, a sync flag."""
    assert parse_time("2021-10-06T13:13:56,000+0200 R") == datetime(
        2021, 10, 6, 13, 13, 56, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_time("2025-02-10T10:00:00.5+09:00").microsecond == 500000
    with pytest.raises(OcmfFormatError):
        parse_time("yesterday")


@settings(max_examples=500)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.hex()))
def test_any_input_parses_or_raises_our_format_error(text: str) -> None:
    """Fuzz: the parser raises nothing but OcmfFormatError."""
    with contextlib.suppress(OcmfFormatError):
        parse_ocmf(text)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_payload_inside_the_frame_parses_or_raises_our_error(inner: str) -> None:
    """Fuzz the sections: 'OCMF|<anything>|<anything>'."""
    with contextlib.suppress(OcmfFormatError):
        parse_ocmf(f"OCMF|{inner}|{inner}")
