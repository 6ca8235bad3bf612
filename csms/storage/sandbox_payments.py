"""The local sandbox payment provider (seed 001's card payment, without a card company;
its terms in ``csms/invoicing/sandbox.py``).

It plays the provider's part so that the whole payment flow runs on one machine: it keeps
the links it was asked for (amount, expiry) and the charges it made in its own tables
(``sandbox_links``, ``sandbox_charges``, migration 018), as a real provider keeps them on its
side.

One approved charge per transaction id (a unique index): pressing "pay" twice, or charging
the card on file again after a crash, returns the first charge and charges nothing more.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Final
from uuid import uuid4

import asyncpg

from csms.invoicing.models import Charge
from csms.invoicing.sandbox import DECLINING, SandboxLink

SAVE_LINK: Final = """
INSERT INTO sandbox_links (transaction_id, amount, expires_at, description)
VALUES ($1, $2, $3, $4) ON CONFLICT (transaction_id) DO NOTHING"""
CHARGE: Final = """
INSERT INTO sandbox_charges (charge_id, transaction_id, amount, card_token, approved, charged_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (transaction_id) WHERE approved DO NOTHING
RETURNING charge_id"""
APPROVED: Final = """
SELECT charge_id FROM sandbox_charges WHERE transaction_id = $1 AND approved"""


class SandboxPaymentProvider:
    """``PaymentProvider`` (csms/invoicing/ports.py) over its own tables."""

    def __init__(self, pool: asyncpg.Pool, page_url: str) -> None:
        self._pool = pool
        self.page_url = page_url  # empty until the public listener's address is known

    async def create_link(
        self, transaction_id: str, amount: Decimal, expires_at: datetime, description: str
    ) -> str:
        async with self._pool.acquire() as conn:
            await conn.execute(SAVE_LINK, transaction_id, amount, expires_at, description)
        return f"{self.page_url.rstrip('/')}/pay/{transaction_id}"

    async def charge(self, card_token: str, transaction_id: str, amount: Decimal) -> Charge:
        approved = not card_token.startswith(DECLINING)
        charge_id = f"ch_{uuid4().hex[:20]}"
        async with self._pool.acquire() as conn, conn.transaction():
            if not approved:
                await conn.execute(
                    CHARGE, charge_id, transaction_id, amount, card_token, False, _now()
                )
                return Charge(False, charge_id, "declined by the card company (test card)")
            made = await conn.fetchval(
                CHARGE, charge_id, transaction_id, amount, card_token, True, _now()
            )
            if made is None:  # charged before: the same charge, nothing more
                return Charge(True, await conn.fetchval(APPROVED, transaction_id), "replayed")
        return Charge(True, charge_id)

    async def charged(self, transaction_id: str) -> str | None:
        async with self._pool.acquire() as conn:
            found: str | None = await conn.fetchval(APPROVED, transaction_id)
        return found

    async def link(self, transaction_id: str) -> SandboxLink | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT * FROM sandbox_links WHERE transaction_id = $1", transaction_id
            )
        return SandboxLink(**dict(row)) if row is not None else None

    async def approved_charges(self, transaction_id: str) -> int:
        """How many approved charges the transaction has (at most one)."""
        async with self._pool.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM sandbox_charges WHERE transaction_id = $1 AND approved",
                transaction_id,
            )
        return count


def _now() -> datetime:
    return datetime.now(UTC)
