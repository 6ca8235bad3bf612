"""Wire timestamps (RFC 3339, checked by the schema's date-time format) to aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

from csms.errors import InvalidInput


def parse_timestamp(value: str) -> datetime:
    """Parse an OCPP date-time; a value without offset is read as UTC (some 1.6 firmwares).

    Example: ``parse_timestamp("2025-01-31T15:00:00Z")`` gives 2025-01-31 15:00 UTC, which is
    2025-02-01 00:00 in JST.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"timestamp {value!r} is not an ISO 8601 date-time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_timestamp(value: datetime) -> str:
    """UTC with a Z and millisecond precision, as stations expect."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
