"""The price on the charger's screen, from the same pricer as the statement (seed 002 第10条:
the price shown at the start applies; OCPP 2.0.1 I02 CostUpdated and I03 the TransactionEvent
answer's totalCost; 1.6 the Open Charge Alliance's costmsg DataTransfer, vendor
``org.openchargealliance.costmsg``: SetUserPrice at the start, RunningCost while charging,
FinalCost at the end).

* 2.0.1 stations get CostUpdated while charging and the final cost with its text in the
  Ended event's answer; 1.6 stations only when configured for costmsg (few support it).
* the running cost is sent at most once per ``interval_s`` per transaction, after the
  station's message was answered (never delaying it); a station that cannot take it is
  left alone (nothing here raises for the station's sake).
* the final cost is the statement's total, so what the driver saw last is what is billed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Protocol

from csms.billing.price_text import cost_text, price_text
from csms.billing.pricer import JST, NoTariffInForce
from csms.charging.models import SessionState
from csms.charging.ports import ChargingUnitOfWork
from csms.charging.sessions import facts_of, last_reading
from csms.clock import Clock
from csms.errors import CsmsError
from csms.ports import UnitOfWorkProvider
from csms.records import frozen
from csms.settlement.measurement import end_register, start_register
from csms.settlement.models import MeterSample
from csms.settlement.statements import quote_for, tariff_for
from csms.settlement.tariffs import NoTariffAssigned, TariffCatalog
from csms.station_commands.commands import CostUpdated, DataTransfer, StationCommand
from csms.station_commands.ports import StationGateway

COST_VENDOR: Final = "org.openchargealliance.costmsg"
SETTINGS_TTL_S: Final = 30.0


@frozen
class DisplaySettings:
    """A station's screen: costmsg for 1.6 (off unless configured) and the language."""

    cost_messages: bool = False
    language: str = "ja"


class DisplaySettingsRepository(Protocol):
    async def display_of(self, station_id: str) -> DisplaySettings: ...
    async def save(self, station_id: str, settings: DisplaySettings) -> None: ...


class PriceDisplayUnitOfWork(ChargingUnitOfWork, Protocol):
    price_display: DisplaySettingsRepository


class PriceDisplay:
    def __init__(
        self,
        uow: UnitOfWorkProvider[PriceDisplayUnitOfWork],
        clock: Clock,
        catalog: TariffCatalog,
        gateway: StationGateway,
        *,
        interval_s: float = 60.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalog = catalog
        self._gateway = gateway
        self._interval = timedelta(seconds=interval_s)
        self._last_sent: dict[tuple[str, str], datetime] = {}
        self._settings: dict[str, tuple[DisplaySettings, float]] = {}

    async def settings_of(self, station_id: str) -> DisplaySettings:
        """The station's display settings, kept ``SETTINGS_TTL_S`` (an Ended answer reads
        them: no round trip on the hot path); a change through this process applies at once."""
        kept = self._settings.get(station_id)
        if kept is not None and time.monotonic() - kept[1] < SETTINGS_TTL_S:
            return kept[0]
        async with self._uow() as uow:
            found = await uow.price_display.display_of(station_id)
        self._settings[station_id] = (found, time.monotonic())
        return found

    async def configure(self, station_id: str, settings: DisplaySettings) -> DisplaySettings:
        """Set what the station's screen shows (the API checks the caller's scope first)."""
        async with self._uow() as uow:
            await uow.price_display.save(station_id, settings)
        self._settings[station_id] = (settings, time.monotonic())
        return settings

    async def final_message(self, station_id: str, total: Decimal) -> dict[str, str]:
        """2.0.1 updatedPersonalMessage (MessageContentType) of the final cost."""
        language = (await self.settings_of(station_id)).language
        return {"format": "UTF8", "language": language, "content": cost_text(total, language)}

    async def started(
        self, station_id: str, version: str, transaction_id: str, id_tag: str
    ) -> None:
        """1.6 SetUserPrice: the tariff's prices as the session starts (costmsg stations)."""
        if version != "1.6":
            return
        settings = await self.settings_of(station_id)
        if not settings.cost_messages:  # most stations: no round trip
            return
        async with self._uow(atomic=False) as uow:  # three reads for a display: no transaction
            session = await uow.sessions.by_transaction(station_id, transaction_id)
            if session is None:
                return
            terms = await uow.pricing_terms.terms_of(session.session_id, id_tag, station_id)
        try:  # the member's price where a membership gives one (第13条)
            tariff = tariff_for(self._catalog, facts_of(session, session.started_at, None), terms)
        except NoTariffAssigned:
            return
        version_ = tariff.version_on(session.started_at.astimezone(JST).date())
        if version_ is None:
            return
        text = price_text(version_.components, settings.language)
        await self._send(
            station_id, _cost_message("SetUserPrice", {"idToken": id_tag, "priceText": text})
        )

    def running_cost_due(self, station_id: str, transaction_id: str) -> bool:
        """Whether the transaction's running cost is due (at most once per interval); taken
        when it is. In memory, so most meter values schedule nothing at all."""
        now = self._clock.now()
        key = (station_id, transaction_id)
        last = self._last_sent.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last_sent[key] = now
        return True

    async def charging(
        self,
        station_id: str,
        version: str,
        transaction_id: str,
        latest: Sequence[MeterSample] = (),
    ) -> None:
        """The running cost (the caller asked ``running_cost_due`` first); ``latest``: the
        samples of the message that made it due, the session's newest."""
        settings = await self.settings_of(station_id)
        if version == "1.6" and not settings.cost_messages:
            return
        running = await self._running_cost(station_id, transaction_id, latest)
        if running is None:
            return
        cost, register = running
        if version == "1.6":
            data: dict[str, Any] = {
                "transactionId": _wire_id(transaction_id),
                "timestamp": self._clock.now().isoformat(),
                "meterValue": int(register),
                "cost": _number(cost),
                "state": "Charging",
                "chargingPrice": {},
            }
            await self._send(station_id, _cost_message("RunningCost", data))
        else:
            await self._send(station_id, CostUpdated(transaction_id, cost))

    async def ended(
        self, station_id: str, version: str, transaction_id: str, total: Decimal
    ) -> None:
        """1.6 FinalCost: the statement's total (2.0.1 has it in the Ended event's answer)."""
        self.forget(station_id, transaction_id)
        if version != "1.6":
            return
        settings = await self.settings_of(station_id)
        if not settings.cost_messages:
            return
        data = {
            "transactionId": _wire_id(transaction_id),
            "cost": _number(total),
            "priceText": cost_text(total, settings.language),
        }
        await self._send(station_id, _cost_message("FinalCost", data))

    def forget(self, station_id: str, transaction_id: str) -> None:
        """The transaction ended: no more running costs for it."""
        self._last_sent.pop((station_id, transaction_id), None)

    async def _running_cost(
        self, station_id: str, transaction_id: str, latest: Sequence[MeterSample]
    ) -> tuple[Decimal, Decimal] | None:
        """The cost so far, until the newest register: the one in ``latest`` with the
        session's start register (two reads), else read from all its samples (three)."""
        async with self._uow(atomic=False) as uow:  # reads for a display: no transaction
            session = await uow.sessions.by_transaction(station_id, transaction_id)
            if session is None or session.state is not SessionState.ACTIVE:
                return None
            samples = list(latest)
            if session.meter_start_wh is None or end_register(latest) is None:
                samples = await uow.samples.of_session(session.session_id)
            terms = await uow.pricing_terms.terms_of(
                session.session_id, session.id_token, station_id
            )
        start = session.meter_start_wh
        start = start if start is not None else start_register(samples)
        register = end_register(samples)
        if start is None or register is None:
            return None
        # until the station's last reading: its clock, like the statement's times
        read_at, _ = last_reading(session, samples)
        energy = max(register - start, Decimal(0))
        facts = facts_of(session, read_at, energy)
        try:
            return quote_for(self._catalog, facts, energy, terms).total, register
        except (NoTariffAssigned, NoTariffInForce, ValueError):
            return None

    async def _send(self, station_id: str, command: StationCommand) -> None:
        try:
            await self._gateway.send(station_id, command)
        except CsmsError:  # not connected, refused, off its schema: the statement still holds
            return


def _cost_message(message_id: str, data: dict[str, Any]) -> DataTransfer:
    return DataTransfer(COST_VENDOR, message_id, json.dumps(data, ensure_ascii=False))


def _number(amount: Decimal) -> int:
    """A total as a JSON number without float: totals are whole yen (rounding.py)."""
    return int(amount)


def _wire_id(transaction_id: str) -> int | str:
    return int(transaction_id) if transaction_id.isdigit() else transaction_id
