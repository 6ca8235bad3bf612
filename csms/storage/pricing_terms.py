"""What prices a finished session besides its tariff, read in one statement at settlement:
the reservation it was charged in (seed 002 第10条, 第12条) and the member's membership price
(第13条).

The membership price: the session's token in its normal form (``normalise_token``, as
``id_tokens`` stores every card and app tag) -> that token's account -> the account's
memberships whose operator owns the station -> the membership's tariff for the station,
else for the station's site (``tariff_station_assignments.site``), else its default. If
several memberships cover the station, the one with the lowest ``membership_id`` (in
code-point order) applies: deterministic, whatever the prices. No token, no account, no
membership, or a station none covers: no membership price (the list price applies).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from csms.authorization.rule import normalise_token
from csms.settlement.models import MembershipPrice, PricingTerms, ReservedWindow
from csms.storage.base import Repository

SELECT_TERMS: Final = """
SELECT r.reservation_id, r.ends_at, r.extension_fee_per_minute,
       m.membership_id, m.name AS membership_name, m.tariff_id AS membership_tariff_id
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT reservation_id, ends_at, extension_fee_per_minute
    FROM reservations WHERE session_id = $1
    ORDER BY starts_at LIMIT 1
) AS r ON true
LEFT JOIN LATERAL (
    SELECT ms.membership_id, ms.name,
           coalesce(st.tariff_id, si.tariff_id, ms.tariff_id) AS tariff_id
    FROM id_tokens AS t
    JOIN membership_members AS mm ON mm.account_id = t.account_id
    JOIN memberships AS ms ON ms.membership_id = mm.membership_id
    JOIN stations AS s ON s.station_id = $3::text AND s.operator_id = ms.operator_id
    LEFT JOIN membership_station_tariffs AS st
        ON st.membership_id = ms.membership_id AND st.station_id = s.station_id
    LEFT JOIN tariff_station_assignments AS a ON a.station_id = s.station_id
    LEFT JOIN membership_site_tariffs AS si
        ON si.membership_id = ms.membership_id AND si.site = a.site
    WHERE t.id_token = $2::text
      AND coalesce(st.tariff_id, si.tariff_id, ms.tariff_id) IS NOT NULL
    ORDER BY ms.membership_id COLLATE "C"
    LIMIT 1
) AS m ON true"""


class PostgresPricingTermsReader(Repository):
    __slots__ = ()

    async def terms_of(
        self, session_id: UUID, id_token: str | None, station_id: str
    ) -> PricingTerms:
        token = normalise_token(id_token) if id_token else None
        row = await self._conn.fetchrow(SELECT_TERMS, session_id, token, station_id)
        if row is None:
            return PricingTerms()
        reservation = None
        if row["reservation_id"] is not None:
            reservation = ReservedWindow(
                row["reservation_id"], row["ends_at"], row["extension_fee_per_minute"]
            )
        membership = None
        if row["membership_id"] is not None:
            membership = MembershipPrice(
                row["membership_id"], row["membership_name"], row["membership_tariff_id"]
            )
        return PricingTerms(membership, reservation)
