"""An operator's charging profiles on both versions (OCPP 1.6 §3.13, §5.5, §5.7, §5.16; 2.0.1
K01, K08, K10): stored first, sent at once to a connected station (its answer kept), sent
when it connects otherwise; cleared with the record kept as ``cleared``.

A station's limits (max stack level, units, periods per schedule) are read from its
configuration the first time a profile is sent to it, and a profile beyond them is refused
with the reason before anything is sent (real chargers reject them, or confuse A and W).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any, Final

from csms.charging.models import SessionState
from csms.errors import Conflict, CsmsError, NotFound, StationCommandError
from csms.ports import UnitOfWorkProvider
from csms.smart_charging.ports import ProfilesUnitOfWork, StationFacts, StoredProfile
from csms.smart_charging.profile_json import json_of, spec_of
from csms.smart_charging.profile_rules import (
    StationLimits,
    check_profile,
    check_station_limits,
    limits_from_configuration,
)
from csms.station_commands.commands import CommandResult, GetConfiguration
from csms.station_commands.ports import StationGateway
from csms.station_commands.profiles import (
    ClearChargingProfile,
    GetCompositeSchedule,
    SetChargingProfile,
)

CONFIGURATION_KEYS: Final = {
    "1.6": (
        "ChargeProfileMaxStackLevel",
        "ChargingScheduleAllowedChargingRateUnit",
        "ChargingScheduleMaxPeriods",
    ),
    "2.0.1": (
        "SmartChargingCtrlr.ProfileStackLevel",
        "SmartChargingCtrlr.RateUnit",
        "SmartChargingCtrlr.PeriodsPerSchedule",
    ),
}


class ProfileService:
    def __init__(
        self, uow: UnitOfWorkProvider[ProfilesUnitOfWork], gateway: StationGateway
    ) -> None:
        self._uow = uow
        self._gateway = gateway

    async def create(
        self,
        station_id: str,
        evse_id: int,
        body: dict[str, Any],
        *,
        description: str | None = None,
        session_id: uuid.UUID | None = None,
        scope: str | None = None,
        source: str = "operator",
    ) -> StoredProfile:
        """Store the profile and send it if the station is connected (else ``pending``)."""
        async with self._uow() as uow:
            facts = await _station(uow, station_id, scope)
            transaction_id = await _transaction_of(uow, station_id, session_id)
            spec = spec_of(body, transaction_id=transaction_id)
            check_profile(spec)
            if facts.limits is not None:
                check_station_limits(spec, facts.limits)
            stored = await uow.charging_profiles.add(
                StoredProfile(
                    uuid.uuid4(),
                    0,
                    station_id,
                    evse_id,
                    description,
                    source,
                    json_of(spec),
                    session_id,
                    "pending",
                    None,
                )
            )
        if not self._gateway.is_connected(station_id):
            return stored
        return await self._send(stored, facts, transaction_id)

    async def send_pending(self, station_id: str) -> int:
        """What waited for the station to connect; returns how many were sent."""
        async with self._uow() as uow:
            waiting = await uow.charging_profiles.pending(station_id)
            facts = await uow.charging_profiles.station(station_id)
        for stored in waiting:
            transaction = await self._transaction(stored)
            await self._send(stored, facts or StationFacts(None, None, None), transaction)
        return len(waiting)

    async def clear(self, profile_id: uuid.UUID, scope: str | None) -> StoredProfile:
        """ClearChargingProfile by id; a profile never sent is only marked cleared."""
        async with self._uow() as uow:
            found = await uow.charging_profiles.get(profile_id, scope)
        if found is None:
            raise NotFound(f"no charging profile {profile_id}")
        if found.status == "cleared":
            return found
        answer = None
        if found.status != "pending":
            command = ClearChargingProfile(profile_id=found.ocpp_profile_id)
            answer = (await self._gateway.send(found.station_id, command)).status
        async with self._uow() as uow:
            await uow.charging_profiles.set_status(profile_id, "cleared", answer)
        return replace(found, status="cleared", station_answer=answer)

    async def search(
        self, station_id: str | None, description: str | None, scope: str | None
    ) -> list[StoredProfile]:
        async with self._uow() as uow:
            return await uow.charging_profiles.search(station_id, description, scope)

    async def composite(
        self, station_id: str, evse_id: int, duration_s: int, unit: str | None, scope: str | None
    ) -> CommandResult:
        """GetCompositeSchedule: the station's answer as it gave it."""
        async with self._uow() as uow:
            await _station(uow, station_id, scope)
        return await self._gateway.send(station_id, GetCompositeSchedule(evse_id, duration_s, unit))

    async def _send(
        self, stored: StoredProfile, facts: StationFacts, transaction_id: str | None
    ) -> StoredProfile:
        spec = replace(
            spec_of(stored.profile, transaction_id=transaction_id),
            profile_id=stored.ocpp_profile_id,
        )
        try:
            if facts.limits is None:
                limits = await self._learn(stored.station_id, facts.ocpp_version)
                check_station_limits(spec, limits)
            result = await self._gateway.send(
                stored.station_id, SetChargingProfile(stored.evse_id, spec)
            )
        except Conflict as refused:
            return await self._keep(stored, "rejected", str(refused))
        except StationCommandError:
            return stored  # not reached: stays pending, sent when the station connects
        status = "accepted" if result.status == "Accepted" else "rejected"
        return await self._keep(stored, status, result.status)

    async def _keep(self, stored: StoredProfile, status: str, answer: str | None) -> StoredProfile:
        async with self._uow() as uow:
            await uow.charging_profiles.set_status(stored.profile_id, status, answer)
        return replace(stored, status=status, station_answer=answer)

    async def _learn(self, station_id: str, version: str | None) -> StationLimits:
        """Read the station's smart-charging limits from its configuration, once."""
        keys = CONFIGURATION_KEYS.get(version or "", ())
        values: dict[str, str] = {}
        try:
            result = await self._gateway.send(station_id, GetConfiguration(keys))
            values = _configuration_values(result.payload)
        except CsmsError:
            pass  # a station that does not say: no limits known, profiles are sent as they are
        limits = limits_from_configuration(values)
        async with self._uow() as uow:
            await uow.charging_profiles.save_limits(station_id, limits)
        return limits

    async def _transaction(self, stored: StoredProfile) -> str | None:
        if stored.session_id is None:
            return None
        async with self._uow() as uow:
            session = await uow.sessions.by_id(stored.session_id)
        return session.transaction_id if session is not None else None


def _configuration_values(payload: dict[str, Any]) -> dict[str, str]:
    """1.6 ``configurationKey`` [{key, value}] or 2.0.1 ``getVariableResult`` values."""
    values: dict[str, str] = {}
    for item in payload.get("configurationKey") or ():
        if item.get("value") is not None:
            values[str(item["key"])] = str(item["value"])
    for item in payload.get("getVariableResult") or ():
        if item.get("attributeValue") is not None:
            values[str(item["variable"]["name"])] = str(item["attributeValue"])
    return values


async def _station(uow: ProfilesUnitOfWork, station_id: str, scope: str | None) -> StationFacts:
    facts = await uow.charging_profiles.station(station_id)
    if facts is None or (scope is not None and facts.operator_id != scope):
        raise NotFound(f"no station {station_id!r}")
    return facts


async def _transaction_of(
    uow: ProfilesUnitOfWork, station_id: str, session_id: uuid.UUID | None
) -> str | None:
    """A TxProfile's transaction: the session's, which must be charging at the station."""
    if session_id is None:
        return None
    session = await uow.sessions.by_id(session_id)
    if session is None or session.station_id != station_id:
        raise NotFound(f"no session {session_id} at station {station_id!r}")
    if session.state is not SessionState.ACTIVE:
        raise Conflict("the session has ended: a TxProfile needs a running transaction")
    return session.transaction_id
