"""An emulated LEM DCBM DC billing meter: one signed OCMF record per session.

Like the LEM DCBM it signs a single record holding the begin (``TX":"B"``) and end
(``"E"``) import readings in kWh, with ECDSA secp256r1/SHA-256 over the payload section.
Faults can be injected to test the central system: a bad signature, a wrong meter serial,
or a reading that goes backwards. ``ratio`` lets the meter read a little differently from
the charger's own register (DC-side metering), so a test can tell which one was billed.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

Fault = Literal["bad_signature", "wrong_serial", "backwards"]
ALGORITHM = "ECDSA-secp256r1-SHA256"


def ocmf_time(moment: datetime) -> str:
    """OCMF's time format: ``2025-02-10T10:00:00,000+0900 S`` (S: synchronised clock)."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S,") + f"{moment.microsecond // 1000:03d}"
    return text + moment.strftime("%z") + " S"


def kwh(wh: Fraction) -> str:
    """Wh as kWh with three decimals, truncated like the meter's display."""
    thousandths = int(wh)  # whole Wh = 0.001 kWh
    return f"{thousandths // 1000}.{thousandths % 1000:03d}"


def _reading(moment: datetime, kind: str, wh: Fraction) -> dict[str, str]:
    """One OCMF reading of the import register; ``kind`` is TX: B(egin) or E(nd)."""
    return {
        "TM": ocmf_time(moment),
        "TX": kind,
        "RV": kwh(wh),
        "RI": "1-0:1.8.0",
        "RU": "kWh",
        "RT": "DC",
        "ST": "G",
    }


def _json_with_numbers(payload: dict[str, object], readings: list[dict[str, str]]) -> str:
    """Compact JSON where each RV is a number, written from its digits, never via float."""
    text = json.dumps(payload, separators=(",", ":"))
    for reading in readings:
        text = text.replace(f'"RV":"{reading["RV"]}"', f'"RV":{reading["RV"]}')
    return text


@dataclass
class Dcbm:
    serial: str = "1232251633"
    ratio: Fraction = Fraction(1)
    fault: Fault | None = None
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    register_wh: Fraction = Fraction(1_000_000)

    @property
    def public_key_der(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    @property
    def public_key_hex(self) -> str:
        return self.public_key_der.hex().upper()

    def session_record(
        self, charged_wh: Fraction, begin: datetime, end: datetime, id_tag: str
    ) -> str:
        """The record for one session: begin and end in one signed payload."""
        begin_wh = self.register_wh
        self.register_wh += charged_wh * self.ratio
        end_wh = self.register_wh if self.fault != "backwards" else begin_wh - 1000
        readings = [_reading(begin, "B", begin_wh), _reading(end, "E", end_wh)]
        payload_text = _json_with_numbers(self._payload(id_tag, readings), readings)
        signature = self.key.sign(payload_text.encode(), ec.ECDSA(hashes.SHA256())).hex().upper()
        if self.fault == "bad_signature":
            signature = signature[:-2] + ("00" if signature[-2:] != "00" else "11")
        return f'OCMF|{payload_text}|{{"SA":"{ALGORITHM}","SD":"{signature}"}}'

    def _payload(self, id_tag: str, readings: list[dict[str, str]]) -> dict[str, object]:
        """The OCMF payload section: the meter, the card and the readings."""
        return {
            "FV": "1.0",
            "GI": "LEM DCBM",
            "GS": self.serial,
            "GV": "sim",
            "PG": "T1",
            "MV": "LEM",
            "MM": "DCBM N0D 4010 0000",
            "MS": self.serial + "9" if self.fault == "wrong_serial" else self.serial,
            "IS": True,
            "IT": "ISO14443",
            "ID": id_tag,
            "RD": readings,
        }

    def signed_meter_value(self, record: str) -> dict[str, str]:
        """2.0.1 SignedMeterValueType (base64 record and key)."""
        return {
            "signed_meter_data": base64.b64encode(record.encode()).decode(),
            "signing_method": ALGORITHM,
            "encoding_method": "OCMF",
            "public_key": base64.b64encode(self.public_key_der).decode(),
        }
