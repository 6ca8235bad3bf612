"""Central-system Calls both versions answer alike: reservations and smart charging.

``V16`` and ``V201`` inherit these on top of ``Wire``; each version only says where its
fields are (ReserveNow's payload, the charging profile's keys, ClearChargingProfile's
criteria), so ``Wire.handlers`` finds every ``@answers`` method here too.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from simulators.charging_profiles import ProfileCriteria, admit, bind, clear, keep
from simulators.client import Answer
from simulators.composite_schedule import composite
from simulators.reservations import SimReservation
from simulators.wire import Wire, answers


class ReservationCalls(Wire):
    """ReserveNow (1.6 §5.13, 2.0.1 H01) and CancelReservation (1.6 §5.1, 2.0.1 H02)."""

    @staticmethod
    @abstractmethod
    def reservation(payload: dict[str, Any]) -> SimReservation:
        """ReserveNow's payload as the reservation it asks for."""

    @answers("ReserveNow")
    async def on_reserve_now(self, payload: dict[str, Any]) -> Answer:
        """ReserveNow: answered ``state.reserve_answer``; Accepted keeps it (same id replaces
        the old one, 1.6 §5.13) and shows a specific connector Reserved."""
        reservation = self.reservation(payload)
        status = self.state.reserve_answer
        answer = await self.reply({"status": status})
        if status != "Accepted":
            return answer
        self.state.reservations[reservation.reservation_id] = reservation
        if reservation.connector == 0:
            return answer

        async def show_reserved() -> None:
            await self.status(reservation.connector, "Reserved")

        return answer, show_reserved

    @answers("CancelReservation")
    async def on_cancel_reservation(self, payload: dict[str, Any]) -> Answer:
        """CancelReservation: a known one is removed and its connector Available again (unless
        a session is open there); ``state.keeps_reserved`` accepts but keeps it (a bug)."""
        reservation = self.state.reservations.get(payload["reservationId"])
        if reservation is None:
            return await self.reply({"status": "Rejected"})
        answer = await self.reply({"status": "Accepted"})
        if self.state.keeps_reserved:
            return answer
        self.state.reservations.pop(reservation.reservation_id, None)
        connector = reservation.connector
        if connector == 0 or connector in self.state.transactions:
            return answer

        async def release() -> None:
            await self.status(connector, "Available")

        return answer, release


class ChargingCalls(Wire):
    """SetChargingProfile (1.6 §5.16, 2.0.1 K01), ClearChargingProfile (1.6 §5.5, 2.0.1 K10),
    GetCompositeSchedule (1.6 §5.7, 2.0.1 K08), and the configuration that reports the
    stack level limit (1.6 ChargeProfileMaxStackLevel, 2.0.1 SmartChargingCtrlr
    ProfileStackLevel)."""

    profile_connector_key: str  # SetChargingProfile's connector: 1.6 connectorId, 2.0.1 evseId
    profile_key: str  # the profile: 1.6 csChargingProfiles, 2.0.1 chargingProfile
    profile_id_key: str  # the profile's id: 1.6 chargingProfileId, 2.0.1 id
    stack_level_key: str  # the configuration name of ``state.max_stack_level``
    default_rate_unit: str  # GetCompositeSchedule's unit when none is asked for
    replaces_same_stack: bool  # 1.6 §5.16.3: same connector, stack level and purpose replace
    integer_transaction_ids: bool  # 1.6 transaction ids are integers, 2.0.1 ones text

    @staticmethod
    @abstractmethod
    def clear_criteria(payload: dict[str, Any]) -> ProfileCriteria:
        """ClearChargingProfile's payload as the profiles it means."""

    @staticmethod
    @abstractmethod
    def composite_answer(connector: int, fields: dict[str, Any]) -> dict[str, Any]:
        """An Accepted GetCompositeSchedule answer laid out the version's way."""

    def configuration(self) -> dict[str, str]:
        """The configuration as GetConfiguration/GetVariables report it: the state's, with
        ``max_stack_level`` under ``stack_level_key`` when it is set."""
        reported = dict(self.state.configuration)
        if self.state.max_stack_level is not None:
            reported[self.stack_level_key] = str(self.state.max_stack_level)
        return reported

    def _spell(self, transaction_id: str) -> Any:
        digits = self.integer_transaction_ids and transaction_id.isdigit()
        return int(transaction_id) if digits else transaction_id

    @answers("SetChargingProfile")
    async def on_set_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        """SetChargingProfile: answered ``state.profile_answer`` if it is not Accepted, else
        as ``admit`` finds; Accepted ones are kept (bound to the open session, if a TxProfile
        names none) and followed unless the station ``ignores_profiles``."""
        status = self.state.profile_answer
        connector = payload[self.profile_connector_key]
        if status == "Accepted":
            status = admit(self.state, connector, payload[self.profile_key])
        if status == "Accepted":
            profile = bind(self.state, connector, payload[self.profile_key], self._spell)
            same_stack = self.replaces_same_stack
            keep(self.state, connector, profile, self.profile_id_key, same_stack=same_stack)
        return await self.reply({"status": status})

    @answers("ClearChargingProfile")
    async def on_clear_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        """ClearChargingProfile: Accepted if any kept profile matched (all, without criteria)."""
        found = clear(self.state, self.clear_criteria(payload), self.profile_id_key)
        return await self.reply({"status": "Accepted" if found else "Unknown"})

    @answers("GetCompositeSchedule")
    async def on_get_composite_schedule(self, payload: dict[str, Any]) -> dict[str, Any]:
        """GetCompositeSchedule (1.6 §5.7, 2.0.1 K08): the composite schedule for the
        duration from now (``composite_schedule``), Rejected without a profile."""
        connector = int(payload[self.profile_connector_key])
        unit = payload.get("chargingRateUnit") or self.default_rate_unit
        fields = composite(self.state, connector, int(payload["duration"]), unit)
        if fields is None:
            return await self.reply({"status": "Rejected"})
        return await self.reply(self.composite_answer(connector, fields))
