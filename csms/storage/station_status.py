"""A station's latest firmware and diagnostics status, from the notifications it sent.

FirmwareStatusNotification (1.6 §4.5, 2.0.1 L01) is the firmware status; 1.6
DiagnosticsStatusNotification (§4.4) and 2.0.1 LogStatusNotification (N01) are the
diagnostics status. Each is the latest kept station event of its kinds: its status, when the
station said it happened (else when it was received), and the 2.0.1 request id.
"""

from __future__ import annotations

from typing import Any, Final

import asyncpg

KINDS: Final = {
    "firmware": ("FirmwareStatusNotification",),
    "diagnostics": ("DiagnosticsStatusNotification", "LogStatusNotification"),
}
SELECT_LATEST_STATUS: Final = """
SELECT DISTINCT ON (label) label, kind, payload, occurred_at, received_at
FROM (SELECT CASE WHEN kind = 'FirmwareStatusNotification' THEN 'firmware'
                  ELSE 'diagnostics' END AS label,
             kind, payload, occurred_at, received_at, event_id
      FROM station_events
      WHERE station_id = $1
        AND kind IN ('FirmwareStatusNotification', 'DiagnosticsStatusNotification',
                     'LogStatusNotification')) AS reported
ORDER BY label, received_at DESC, event_id DESC"""


async def operation_status(conn: asyncpg.Connection, station_id: str) -> dict[str, Any]:
    """``{"firmware": {...} | None, "diagnostics": {...} | None}`` of the station."""
    found: dict[str, Any] = dict.fromkeys(KINDS)
    for row in await conn.fetch(SELECT_LATEST_STATUS, station_id):
        payload = row["payload"]  # jsonb, decoded by the pool's codec
        found[row["label"]] = {
            "status": payload.get("status"),
            "at": row["occurred_at"] or row["received_at"],
            "received_at": row["received_at"],
            "notification": row["kind"],
            "request_id": payload.get("request_id"),
        }
    return found
