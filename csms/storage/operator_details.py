"""The operator's registered details (migration 017, seed 002 第19条): what its receipts are
issued from, one row per operator, replaced in place; and whose a session is, with those
details, in one statement (``issuer_of_session``: the receipt's read).
"""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from csms.administration.receipts import SessionIssuer
from csms.billing.registration import RegistrationNumber
from csms.settlement.receipts import OperatorDetails
from csms.storage.base import Repository

_COLUMNS: Final = (
    "d.operator_id, d.legal_name, d.registration_number, d.corporate, d.address, d.phone, "
    "d.updated_at"
)
SELECT_DETAILS: Final = f"SELECT {_COLUMNS}\nFROM operator_details AS d\nWHERE d.operator_id = $1"
# Nothing is inserted for an operator that does not exist: no row comes back.
UPSERT_DETAILS: Final = f"""
INSERT INTO operator_details AS d
    (operator_id, legal_name, registration_number, corporate, address, phone)
SELECT o.operator_id, $2, $3, $4, $5, $6
FROM operators AS o
WHERE o.operator_id = $1
ON CONFLICT (operator_id) DO UPDATE
SET legal_name = excluded.legal_name,
    registration_number = excluded.registration_number,
    corporate = excluded.corporate,
    address = excluded.address,
    phone = excluded.phone,
    updated_at = now()
RETURNING {_COLUMNS}"""  # noqa: S608 (a constant column list)
SELECT_ISSUER_OF_SESSION: Final = f"""
SELECT st.operator_id AS session_operator, {_COLUMNS}
FROM sessions AS s
JOIN stations AS st ON st.station_id = s.station_id
LEFT JOIN operator_details AS d ON d.operator_id = st.operator_id
WHERE s.session_id = $1"""  # noqa: S608 (a constant column list)


def _details(row: Any) -> OperatorDetails | None:
    if row is None or row["operator_id"] is None:
        return None
    return OperatorDetails(
        operator_id=row["operator_id"],
        legal_name=row["legal_name"],
        registration_number=RegistrationNumber(row["registration_number"][1:]),
        corporate=row["corporate"],
        address=row["address"],
        phone=row["phone"],
        updated_at=row["updated_at"],
    )


class PostgresOperatorDetailsRepository(Repository):
    __slots__ = ()

    async def get(self, operator_id: str) -> OperatorDetails | None:
        return _details(await self._conn.fetchrow(SELECT_DETAILS, operator_id))

    async def save(self, details: OperatorDetails) -> OperatorDetails | None:
        """Insert or replace; the stored row (its ``updated_at``), None: no such operator."""
        row = await self._conn.fetchrow(
            UPSERT_DETAILS,
            details.operator_id,
            details.legal_name,
            str(details.registration_number),
            details.corporate,
            details.address,
            details.phone,
        )
        return _details(row)

    async def issuer_of_session(self, session_id: UUID) -> SessionIssuer | None:
        row = await self._conn.fetchrow(SELECT_ISSUER_OF_SESSION, session_id)
        if row is None:
            return None
        return SessionIssuer(operator_id=row["session_operator"], details=_details(row))
