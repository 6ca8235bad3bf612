"""Small HTML form bodies (``application/x-www-form-urlencoded``) for the pages served beside
the JSON API: read no further than a limit, parse without raising."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request


async def capped_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than ``limit`` (read no further than that)."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


async def form_fields(request: Request, limit: int, max_fields: int = 8) -> dict[str, str]:
    """A small urlencoded form's fields, the first value of each (empty when it is too big,
    has too many fields or is not a form)."""
    data = await capped_body(request, limit)
    try:
        parsed = parse_qs((data or b"").decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:
        return {}
    return {key: values[0] for key, values in parsed.items()}
