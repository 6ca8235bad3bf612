"""A finished session's metering decision, kept with the session (``sessions.metering``).

Stored as JSON with the energy as exact decimal text; read back as the same ``Metering``
(``Decimal`` energy, enum source and review reason).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from csms.settlement.models import EnergySource, Metering, ReviewReason
from csms.storage.base import Repository

SAVE_METERING: Final = """
UPDATE sessions
SET metering = $2, updated_at = now()
WHERE session_id = $1"""
SELECT_METERING: Final = """
SELECT metering
FROM sessions
WHERE session_id = $1"""


def metering_json(metering: Metering) -> dict[str, Any]:
    return {
        "energy_wh": str(metering.energy_wh) if metering.energy_wh is not None else None,
        "source": metering.source.value,
        "meter": metering.meter,
        "review_reason": metering.review_reason.value if metering.review_reason else None,
        "review_detail": metering.review_detail,
    }


def metering_from_json(stored: dict[str, Any]) -> Metering:
    energy, reason = stored["energy_wh"], stored["review_reason"]
    return Metering(
        energy_wh=Decimal(energy) if energy is not None else None,
        source=EnergySource(stored["source"]),
        meter=stored["meter"],
        review_reason=ReviewReason(reason) if reason is not None else None,
        review_detail=stored["review_detail"],
    )


class PostgresMeteringRepository(Repository):
    __slots__ = ()

    async def save(self, session_id: UUID, metering: Metering) -> None:
        """Store (or replace, on a correction) the session's metering decision."""
        await self._conn.execute(SAVE_METERING, session_id, metering_json(metering))

    async def of_session(self, session_id: UUID) -> Metering | None:
        stored = await self._conn.fetchval(SELECT_METERING, session_id)
        return metering_from_json(stored) if stored is not None else None
