"""A station's price display settings (migration 013): costmsg for 1.6, and the language."""

from __future__ import annotations

from typing import Final

from csms.charging.price_display import DisplaySettings
from csms.storage.base import Repository

UPSERT: Final = """
INSERT INTO station_price_display (station_id, cost_messages, language) VALUES ($1, $2, $3)
ON CONFLICT (station_id) DO UPDATE
SET cost_messages = excluded.cost_messages, language = excluded.language, updated_at = now()"""


class PostgresDisplaySettings(Repository):
    __slots__ = ()

    async def display_of(self, station_id: str) -> DisplaySettings:
        row = await self._conn.fetchrow(
            "SELECT cost_messages, language FROM station_price_display WHERE station_id = $1",
            station_id,
        )
        return DisplaySettings(row["cost_messages"], row["language"]) if row else DisplaySettings()

    async def save(self, station_id: str, settings: DisplaySettings) -> None:
        await self._conn.execute(UPSERT, station_id, settings.cost_messages, settings.language)
