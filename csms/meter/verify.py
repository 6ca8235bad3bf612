"""Verify OCMF signatures and read a session's energy from them.

ECDSA over the payload section's UTF-8 bytes, with the curve and hash the record names in
``SA`` (default ``ECDSA-secp256r1-SHA256``); ``SD`` is the signature in hex (``SE``
``hex``, the default) or base64, DER-encoded or raw ``r||s``. Public keys are DER
SubjectPublicKeyInfo (hex or base64) or a raw uncompressed point (``04||x||y`` or
``x||y``), as meters print them. The key is always an argument: this module trusts nothing
it was not given.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from csms.meter.ocmf import OcmfRecord, Reading

_CURVES: Final[dict[str, ec.EllipticCurve]] = {
    "secp192r1": ec.SECP192R1(),
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
    "secp256k1": ec.SECP256K1(),
    "brainpool256r1": ec.BrainpoolP256R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpool384r1": ec.BrainpoolP384R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
}
_HASHES: Final[dict[str, hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256(),
    "SHA384": hashes.SHA384(),
    "SHA512": hashes.SHA512(),
}
_WH_PER_UNIT: Final = {"kWh": Decimal(1000), "Wh": Decimal(1)}
TIME_TOLERANCE: Final = timedelta(minutes=5)


class OcmfVerificationError(ValueError):
    """The record does not prove what it claims; ``code`` is a stable reason label."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _bytes(text: str, what: str) -> bytes:
    cleaned = text.strip()
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        pass
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise OcmfVerificationError("bad_key", f"{what} is neither hex nor base64") from exc


def load_public_key(text: str, curve: ec.EllipticCurve) -> ec.EllipticCurvePublicKey:
    """A public key from DER SPKI or a raw point, in hex or base64."""
    raw = _bytes(text, "public key")
    size = (curve.key_size + 7) // 8
    try:
        if len(raw) == 2 * size:
            raw = b"\x04" + raw
        if len(raw) == 2 * size + 1 and raw[0] == 4:
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, raw)
        key = load_der_public_key(raw)
    except ValueError as exc:
        raise OcmfVerificationError("bad_key", f"public key unreadable: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise OcmfVerificationError("bad_key", "public key is not an EC key")
    return key


def check_public_key(text: str) -> None:
    """Raise unless ``text`` is a readable EC public key (a raw point is read as P-256)."""
    load_public_key(text, ec.SECP256R1())


def _algorithm(name: str) -> tuple[ec.EllipticCurve, hashes.HashAlgorithm]:
    parts = name.split("-")
    if len(parts) != 3 or parts[0] != "ECDSA" or parts[1] not in _CURVES or parts[2] not in _HASHES:
        raise OcmfVerificationError("unsupported_algorithm", f"unsupported SA {name!r}")
    return _CURVES[parts[1]], _HASHES[parts[2]]


def _signature(record: OcmfRecord, curve: ec.EllipticCurve) -> bytes:
    if record.signature_encoding.lower() == "base64":
        raw = _bytes(record.signature_data, "SD")
    else:
        try:
            raw = bytes.fromhex(record.signature_data)
        except ValueError as exc:
            raise OcmfVerificationError("bad_signature", "SD is not hex") from exc
    size = (curve.key_size + 7) // 8
    if len(raw) == 2 * size and raw[0] != 0x30:  # raw r||s
        return encode_dss_signature(int.from_bytes(raw[:size]), int.from_bytes(raw[size:]))
    return raw


def verify_signature(record: OcmfRecord, public_key: str) -> None:
    """Raise :class:`OcmfVerificationError` unless ``public_key`` signed the payload."""
    curve, digest = _algorithm(record.signature_algorithm)
    key = load_public_key(public_key, curve)
    if key.curve.name != curve.name:
        raise OcmfVerificationError("bad_key", f"key is {key.curve.name}, record says {curve.name}")
    try:
        key.verify(_signature(record, curve), record.payload_text.encode(), ec.ECDSA(digest))
    except InvalidSignature as exc:
        raise OcmfVerificationError("bad_signature", "signature does not match") from exc


@dataclass(frozen=True, slots=True)
class SignedEnergy:
    """A session's energy as the billing meter signed it (kWh as the meter states it)."""

    begin: Reading
    end: Reading
    begin_wh: Decimal
    end_wh: Decimal

    @property
    def energy_wh(self) -> Decimal:
        return self.end_wh - self.begin_wh


def _wh(reading: Reading) -> Decimal:
    factor = _WH_PER_UNIT.get(reading.unit)
    if factor is None:
        raise OcmfVerificationError("bad_unit", f"energy reading in {reading.unit!r}")
    return reading.value * factor


def _check_within(reading: Reading, started_at: datetime, stopped_at: datetime) -> None:
    """A signed reading belongs to the session only if its time lies in it (5-min tolerance)."""
    if reading.time is not None and not (
        started_at - TIME_TOLERANCE <= reading.time <= stopped_at + TIME_TOLERANCE
    ):
        raise OcmfVerificationError(
            "not_this_session", f"reading at {reading.time.isoformat()} is outside the session"
        )


def session_energy(
    records: list[OcmfRecord],
    *,
    meter_serial: str,
    public_key: str,
    started_at: datetime,
    stopped_at: datetime,
) -> SignedEnergy:
    """Verify the records and read begin and end of one session.

    Checks, in order: every record's signature; the meter serial (``MS``) is the registered
    one; a begin (``TX`` B) and an end (``TX`` E) import reading exist; their times lie in
    the session (with a 5-minute tolerance); the end is not below the begin.
    """
    if not records:
        raise OcmfVerificationError("missing_records", "no signed record for this session")
    for record in records:
        verify_signature(record, public_key)
        if record.meter_serial != meter_serial:
            raise OcmfVerificationError(
                "wrong_serial",
                f"record from meter {record.meter_serial!r}, registered {meter_serial!r}",
            )
    begins = [r for rec in records for r in rec.energy_readings("B")]
    ends = [r for rec in records for r in rec.energy_readings("E")]
    if not begins or not ends:
        raise OcmfVerificationError("missing_records", "no signed begin and end readings")
    begin, end = begins[0], ends[-1]
    _check_within(begin, started_at, stopped_at)
    _check_within(end, started_at, stopped_at)
    signed = SignedEnergy(begin, end, _wh(begin), _wh(end))
    if signed.energy_wh < 0:
        raise OcmfVerificationError(
            "backwards", f"end reading {end.value} {end.unit} is below begin {begin.value}"
        )
    return signed
