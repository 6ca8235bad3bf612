"""2.0.1 GetChargingProfiles (K09): the kept profiles that match, then their reports.

The answer is Accepted (or NoProfiles when none matches); once it is sent the station sends
one ReportChargingProfiles per EVSE with matching profiles (EVSE 0 is the station itself),
in EVSE order, each with the request's ``requestId``, ``chargingLimitSource`` CSO (every
profile here came from the CSMS), the profiles as kept, and ``tbc`` true on all but the last.
A profile matches when it meets every criterion given: ``evseId`` (absent: any EVSE), and
``chargingProfile``'s ``chargingProfileId`` list, ``chargingProfilePurpose``, ``stackLevel``
and ``chargingLimitSource`` list (which must hold CSO). Profiles a station ``ignores_profiles``
for are kept, so they are reported too.
"""

from __future__ import annotations

from typing import Any

from simulators.client import Answer
from simulators.wire import Wire, answers

CSO = "CSO"  # ChargingLimitSourceEnumType: set by the charging station operator's CSMS


def matches(evse: int, profile: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Whether a profile kept for ``evse`` meets GetChargingProfiles' criteria."""
    criteria = payload.get("chargingProfile") or {}
    ids = criteria.get("chargingProfileId")
    sources = criteria.get("chargingLimitSource")
    return (
        payload.get("evseId") in (None, evse)
        and (ids is None or profile.get("id") in ids)
        and criteria.get("chargingProfilePurpose") in (None, profile["chargingProfilePurpose"])
        and criteria.get("stackLevel") in (None, profile["stackLevel"])
        and (sources is None or CSO in sources)
    )


def reports(kept: list[tuple[int, dict[str, Any]]], payload: dict[str, Any]) -> list[Any]:
    """The ReportChargingProfiles payloads for the matching profiles, one per EVSE."""
    by_evse: dict[int, list[dict[str, Any]]] = {}
    for evse, profile in kept:
        if matches(evse, profile, payload):
            by_evse.setdefault(evse, []).append(profile)
    evses = sorted(by_evse)
    return [
        {
            "requestId": payload["requestId"],
            "chargingLimitSource": CSO,
            "evseId": evse,
            "chargingProfile": by_evse[evse],
            "tbc": evse != evses[-1],
        }
        for evse in evses
    ]


class ProfileReports(Wire):
    """GetChargingProfiles (2.0.1 K09) answered from ``state.charging_profiles``."""

    @answers("GetChargingProfiles")
    async def on_get_charging_profiles(self, payload: dict[str, Any]) -> Answer:
        """GetChargingProfiles: Accepted, then one ReportChargingProfiles per EVSE; or
        NoProfiles when nothing matches."""
        found = reports(self.state.charging_profiles, payload)
        if not found:
            return await self.reply({"status": "NoProfiles"})

        async def report() -> None:
            for message in found:
                await self.send("ReportChargingProfiles", message)

        return await self.reply({"status": "Accepted"}), report
