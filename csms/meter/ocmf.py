"""Parse OCMF records (Open Charge Metering Format, S.A.F.E. e.V., version 1.0).

A record is ``OCMF|{payload JSON}|{signature JSON}``; the signature covers the payload
section's exact text. Readings (``RD``) carry a value (``RV``, parsed as an exact Decimal),
its OBIS id (``RI``), unit (``RU``), status (``ST``) and, for the first reading of a
moment, a time (``TM``, e.g. ``2021-10-06T13:13:56,000+0200 R``) and transaction context
(``TX``: ``B`` begin, ``E`` end, ``T`` tariff change, ``X``/``C`` exceptions); a reading
without ``TM``/``TX`` shares the previous one's.

Carriers (:func:`extract_ocmf`): the plain text, the text hex-encoded or base64-encoded,
or a JSON wrapper holding it (``signedMeterData``, ``SD`` or ``data``). Everything else
raises :class:`OcmfFormatError`: the only exception this module raises.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

DEFAULT_SIGNATURE_ALGORITHM: Final = "ECDSA-secp256r1-SHA256"
_TIME: Final = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:[,.](\d{1,6}))?([+-])(\d{2}):?(\d{2})"
    r"(?:\s+([A-Z]))?$"
)
_MAX_RECORD: Final = 64 * 1024


class OcmfFormatError(ValueError):
    """The text is not a readable OCMF record; the message says why."""


@dataclass(frozen=True, slots=True)
class Reading:
    time: datetime | None
    transaction: str | None  # B, E, T, ... (OCMF TX)
    value: Decimal
    obis: str | None
    unit: str
    status: str | None


@dataclass(frozen=True, slots=True)
class OcmfRecord:
    text: str  # the whole record, as extracted
    payload_text: str  # the signed bytes (UTF-8 of this text)
    payload: dict[str, Any]
    readings: tuple[Reading, ...]
    signature_algorithm: str
    signature_encoding: str
    signature_data: str

    @property
    def meter_serial(self) -> str | None:
        value = self.payload.get("MS")
        return str(value) if value is not None else None

    @property
    def id_token(self) -> str | None:
        value = self.payload.get("ID")
        return str(value) if value is not None else None

    def energy_readings(self, transaction: str) -> list[Reading]:
        """Import-energy readings (OBIS 1-0:1.8.x or no OBIS) for a TX code, in order."""
        return [
            r
            for r in self.readings
            if r.transaction == transaction and (r.obis is None or ":1.8." in r.obis)
        ]


def parse_time(value: str) -> datetime:
    """OCMF time: ``2021-10-06T13:13:56,000+0200 R`` (comma decimals, offset, sync flag)."""
    match = _TIME.match(value.strip())
    if match is None:
        raise OcmfFormatError(f"TM {value!r} is not an OCMF time")
    day, clock, fraction, sign, hours, minutes, _flag = match.groups()
    try:
        base = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError as exc:
        raise OcmfFormatError(f"TM {value!r} is not a date") from exc
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    micros = int((fraction or "0").ljust(6, "0"))
    tz = timezone(offset if sign == "+" else -offset)
    return base.replace(microsecond=micros, tzinfo=tz)


def _decode_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.startswith("OCMF|") else None


def extract_ocmf(raw: str) -> str:
    """The OCMF text from any carrier (plain, hex, base64, or a JSON wrapper)."""
    if not isinstance(raw, str):
        raise OcmfFormatError("a signed record must be text")
    text = raw.strip()
    if len(text) > _MAX_RECORD:
        raise OcmfFormatError("record longer than 64 KiB")
    if text.startswith("OCMF|"):
        return text
    if text.startswith("{"):
        try:
            wrapper = json.loads(text)
        except ValueError as exc:
            raise OcmfFormatError("JSON wrapper is not valid JSON") from exc
        if isinstance(wrapper, dict):
            for key in ("signedMeterData", "signed_meter_data", "SD", "data", "ocmf"):
                if isinstance(wrapper.get(key), str):
                    return extract_ocmf(wrapper[key])
        raise OcmfFormatError("JSON wrapper holds no OCMF text")
    if re.fullmatch(r"[0-9A-Fa-f]+", text) and len(text) % 2 == 0:
        found = _decode_text(bytes.fromhex(text))
        if found is not None:
            return found
    try:
        found = _decode_text(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        found = None
    if found is not None:
        return found
    raise OcmfFormatError("not OCMF: expected 'OCMF|', hex, base64 or a JSON wrapper")


def _split(text: str) -> tuple[str, str]:
    """Payload and signature sections; the payload is JSON, so find its closing brace."""
    body = text[len("OCMF|") :]
    decoder = json.JSONDecoder()
    try:
        _, end = decoder.raw_decode(body)
    except (ValueError, RecursionError) as exc:
        raise OcmfFormatError("payload section is not JSON") from exc
    payload_text, rest = body[:end], body[end:]
    if not rest.startswith("|"):
        raise OcmfFormatError("no '|' between payload and signature")
    return payload_text, rest[1:]


def _readings(raw: Any) -> tuple[Reading, ...]:
    if not isinstance(raw, list) or not raw:
        raise OcmfFormatError("RD (readings) missing or empty")
    readings: list[Reading] = []
    time: datetime | None = None
    transaction: str | None = None
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise OcmfFormatError(f"RD[{index}] is not an object")
        if "TM" in item:
            if not isinstance(item["TM"], str):
                raise OcmfFormatError(f"RD[{index}].TM is not text")
            time = parse_time(item["TM"])
            transaction = None
        if "TX" in item:
            transaction = str(item["TX"])
        value = item.get("RV")
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise OcmfFormatError(f"RD[{index}].RV is not a number")
        try:
            number = Decimal(value)
        except ArithmeticError as exc:
            raise OcmfFormatError(f"RD[{index}].RV is not a number") from exc
        if not number.is_finite():
            raise OcmfFormatError(f"RD[{index}].RV is not finite")
        unit = item.get("RU")
        if not isinstance(unit, str):
            raise OcmfFormatError(f"RD[{index}].RU (unit) missing")
        readings.append(Reading(time, transaction, number, item.get("RI"), unit, item.get("ST")))
    return tuple(readings)


def parse_ocmf(raw: str) -> OcmfRecord:
    """Parse a record from any carrier.

    Raises:
        OcmfFormatError: the only exception, with the reason.
    """
    text = extract_ocmf(raw)
    payload_text, signature_text = _split(text)
    try:
        payload = json.loads(payload_text, parse_float=Decimal)
        signature = json.loads(signature_text)
    except (ValueError, RecursionError) as exc:
        raise OcmfFormatError("payload or signature section is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(signature, dict):
        raise OcmfFormatError("payload and signature must be JSON objects")
    data = signature.get("SD")
    if not isinstance(data, str) or not data:
        raise OcmfFormatError("signature SD missing")
    algorithm = signature.get("SA", DEFAULT_SIGNATURE_ALGORITHM)
    encoding = signature.get("SE", "hex")
    if not isinstance(algorithm, str) or not isinstance(encoding, str):
        raise OcmfFormatError("signature SA/SE must be text")
    return OcmfRecord(
        text=text,
        payload_text=payload_text,
        payload=payload,
        readings=_readings(payload.get("RD")),
        signature_algorithm=algorithm,
        signature_encoding=encoding,
        signature_data=data,
    )
