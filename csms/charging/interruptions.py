"""Sessions left open by a station that booted again (1.6 §4.2, 2.0.1 B01 BootNotification).

The rule (docs/reliability.md, "Stuck sessions"): a BootNotification that says the station
restarted (every 1.6 boot; 2.0.1 ``reason`` anything but ``Triggered``, which answers a
TriggerMessage) marks the station's open sessions *interrupt pending*. A 2.0.1 station
reports its ongoing transactions with TransactionEvent after a boot, a 1.6 station resends
queued StopTransactions and keeps sending MeterValues of a transaction it resumed; so a
marked session that gets an event or a sample within the grace period is left alone (a stop
completes it as usual). One that hears nothing for the grace period is ended as
``interrupted`` at its last reading and its statement held for review. The check runs when
the booted station next sends a Heartbeat or StatusNotification.
"""

from __future__ import annotations

from typing import Final

from csms.charging.endings import Ending, end_at_last_reading, ending
from csms.charging.ports import ChargingUnitOfWork
from csms.ports import UnitOfWorkProvider
from csms.settlement.service import Settlement

NOT_A_RESTART: Final = frozenset({"Triggered"})  # 2.0.1 BootReasonEnumType


class Interruptions:
    def __init__(
        self,
        uow: UnitOfWorkProvider[ChargingUnitOfWork],
        settlement: Settlement,
        grace_s: float,
    ) -> None:
        self._uow = uow
        self._settlement = settlement
        self.grace_s = grace_s

    async def station_booted(self, station_id: str, reason: str | None) -> int:
        """Mark the open sessions of a station that restarted; how many were marked.
        ``reason``: the 2.0.1 boot reason (None: 1.6, whose boot is always a start-up)."""
        if reason in NOT_A_RESTART:
            return 0
        async with self._uow() as uow:
            return await uow.sessions.mark_interrupt_pending(station_id)

    async def end_interrupted(self, station_id: str) -> int:
        """End the marked sessions nothing was heard of for the grace period; how many."""
        async with self._uow() as uow:
            due = await uow.sessions.interrupt_due(station_id, self.grace_s)
            for session in due:
                note = ending(Ending.INTERRUPTED, grace_s=self.grace_s)
                await end_at_last_reading(uow, self._settlement, session, note)
        return len(due)
