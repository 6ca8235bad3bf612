"""What the paged lists and exports share: the opaque cursor, the next link, query values.

A cursor is the keyset of a page's last item (``started_at``, id) as unpadded base64url of a
JSON pair: opaque to callers, who follow ``next`` as it is. Query values: a blank one is no
filter; a time is ISO 8601 with a UTC offset, where a ``+`` that the query string turned
into a space (``2026-04-01T00:00:00 09:00``) is read as the ``+`` it was.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlencode
from uuid import UUID

from pydantic import BeforeValidator, ValidationInfo
from starlette.requests import Request

from csms.api.parsing import checked_text

BAD_CURSOR: Final = "cursor is not one this API gave (follow the next link as it is)"
_SPACED_OFFSET: Final = re.compile(r" (\d\d(:?\d\d)?)$")


def cursor_of(at: datetime, item: UUID | str) -> str:
    """The opaque cursor after an item: base64url of its keyset, unpadded."""
    text = json.dumps([at.isoformat(), str(item)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _cursor(value: object) -> tuple[datetime, UUID] | None:
    if value in (None, ""):
        return None
    try:
        text = str(value)
        at, item = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(BAD_CURSOR)
        moment.astimezone(UTC)  # before the first UTC moment: not storable
        return moment, UUID(item)
    except (ValueError, TypeError, AttributeError, OverflowError, binascii.Error):  # any shape
        raise ValueError(BAD_CURSOR) from None


cursor_value: Final = BeforeValidator(_cursor)


def next_link(request: Request, at: datetime, item: UUID | str, limit: int) -> str:
    """The request's own path and query, with ``cursor`` after the item and ``limit``."""
    kept = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if name not in ("cursor", "limit")
    ]
    query = [*kept, ("cursor", cursor_of(at, item)), ("limit", str(limit))]
    return f"{request.url.path}?{urlencode(query)}"


def _moment(value: object, info: ValidationInfo) -> datetime | None:
    if value in (None, ""):
        return None
    wrong = f"{info.field_name if info.field_name else 'a time'}"
    try:
        moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"+\1", str(value)))
        if moment.tzinfo is None:
            raise ValueError("no offset")
        moment.astimezone(UTC)  # 0001-01-01T00:00+01:00 is before the first UTC moment
    except (ValueError, OverflowError):
        raise ValueError(f"{wrong} must be an ISO 8601 time with a UTC offset") from None
    return moment


query_moment: Final = BeforeValidator(_moment)


def blank_or_text(limit: int) -> BeforeValidator:
    """A query text of at most ``limit`` storable characters; blank (or absent) is None."""

    def text(value: object, info: ValidationInfo) -> str | None:
        if value in (None, ""):
            return None
        return checked_text(str(value), str(info.field_name), limit)

    return BeforeValidator(text)
