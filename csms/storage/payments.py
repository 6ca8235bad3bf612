"""Payments of invoices, their history and the card on file (migration 018; seed 001)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

import asyncpg

from csms.invoicing.models import (
    OPEN_ONLY,
    CardOnFile,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentState,
)
from csms.storage.base import Repository

INSERT: Final = """
INSERT INTO payments (transaction_id, invoice_id, contract_id, amount, method, state,
                      link_url, expires_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""
ADD_EVENT: Final = """
INSERT INTO payment_events (transaction_id, at, state, detail) VALUES ($1, $2, $3, $4)"""
SETTLE: Final = """
UPDATE payments
SET state = $2, settled_at = $3, provider_charge_id = coalesce($4, provider_charge_id)
WHERE transaction_id = $1 AND state = ANY($5::text[])
RETURNING transaction_id"""
HISTORY: Final = """
SELECT transaction_id, at, state, detail FROM payment_events
WHERE transaction_id = ANY($1::text[]) ORDER BY event_id"""
UNSENT: Final = """
SELECT * FROM payments
WHERE state = 'open' AND ((method = 'link' AND link_url IS NULL)
                          OR (method = 'card_on_file' AND provider_charge_id IS NULL))
ORDER BY created_at"""
GET: Final = "SELECT * FROM payments WHERE transaction_id = $1"
OF_INVOICE: Final = "SELECT * FROM payments WHERE invoice_id = $1 ORDER BY created_at"
OF_INVOICE_LOCKED: Final = f"{OF_INVOICE} FOR UPDATE"
GET_LOCKED: Final = f"{GET} FOR UPDATE"
SAVE_CARD: Final = """
INSERT INTO payment_cards (contract_id, card_token, card_label, saved_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (contract_id) DO UPDATE SET card_token = excluded.card_token,
    card_label = excluded.card_label, saved_at = excluded.saved_at"""


class PostgresPaymentRepository(Repository):
    __slots__ = ()

    async def add(self, payment: Payment, event: PaymentEvent) -> bool:
        try:
            async with self._conn.transaction():  # a savepoint: the caller's work survives
                await self._conn.execute(
                    INSERT,
                    payment.transaction_id,
                    payment.invoice_id,
                    payment.contract_id,
                    payment.amount,
                    payment.method.value,
                    payment.state.value,
                    payment.link_url,
                    payment.expires_at,
                    payment.created_at,
                )
        except asyncpg.UniqueViolationError:
            return False  # the invoice has a live payment already
        await self.note(payment.transaction_id, event)
        return True

    async def get(self, transaction_id: str, *, lock: bool = False) -> Payment | None:
        row = await self._conn.fetchrow(GET_LOCKED if lock else GET, transaction_id)
        if row is None:
            return None
        return (await self._with_history([row]))[0]

    async def of_invoice(self, invoice_id: UUID, *, lock: bool = False) -> list[Payment]:
        rows = await self._conn.fetch(OF_INVOICE_LOCKED if lock else OF_INVOICE, invoice_id)
        return await self._with_history(rows)

    async def settle(
        self,
        transaction_id: str,
        state: PaymentState,
        event: PaymentEvent,
        *,
        charge_id: str | None = None,
        from_states: frozenset[PaymentState] = OPEN_ONLY,
    ) -> bool:
        moved = await self._conn.fetchval(
            SETTLE,
            transaction_id,
            state.value,
            event.at,
            charge_id,
            [s.value for s in from_states],
        )
        if moved is None:
            return False
        await self.note(transaction_id, event)
        return True

    async def set_link(self, transaction_id: str, url: str, event: PaymentEvent) -> bool:
        found = await self._conn.fetchval(
            "UPDATE payments SET link_url = $2 WHERE transaction_id = $1 AND state = 'open'"
            " AND link_url IS NULL RETURNING transaction_id",
            transaction_id,
            url,
        )
        if found is None:
            return False
        await self.note(transaction_id, event)
        return True

    async def note(self, transaction_id: str, event: PaymentEvent) -> None:
        await self._conn.execute(ADD_EVENT, transaction_id, event.at, event.state, event.detail)

    async def unsent(self) -> list[Payment]:
        return [_payment(row, ()) for row in await self._conn.fetch(UNSENT)]

    async def open_until(self, now: datetime) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT transaction_id FROM payments WHERE state = 'open' AND expires_at <= $1",
            now,
        )
        return [row["transaction_id"] for row in rows]

    async def to_carry(self, contract_id: str) -> list[Payment]:
        rows = await self._conn.fetch(
            "SELECT * FROM payments WHERE contract_id = $1 AND state IN ('failed', 'expired')"
            " AND carried_into IS NULL ORDER BY created_at FOR UPDATE",
            contract_id,
        )
        return [_payment(row, ()) for row in rows]

    async def mark_carried(self, transaction_ids: list[str], invoice_id: UUID) -> None:
        if transaction_ids:
            await self._conn.execute(
                "UPDATE payments SET carried_into = $2 WHERE transaction_id = ANY($1::text[])",
                transaction_ids,
                invoice_id,
            )

    async def card_on_file(self, contract_id: str) -> CardOnFile | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM payment_cards WHERE contract_id = $1", contract_id
        )
        return CardOnFile(**dict(row)) if row is not None else None

    async def save_card(self, card: CardOnFile) -> None:
        await self._conn.execute(
            SAVE_CARD, card.contract_id, card.card_token, card.card_label, card.saved_at
        )

    async def _with_history(self, rows: list[Any]) -> list[Payment]:
        ids = [row["transaction_id"] for row in rows]
        events: dict[str, list[PaymentEvent]] = {tx: [] for tx in ids}
        for row in await self._conn.fetch(HISTORY, ids):
            events[row["transaction_id"]].append(
                PaymentEvent(row["at"], row["state"], row["detail"])
            )
        return [_payment(row, tuple(events[row["transaction_id"]])) for row in rows]


def _payment(row: Any, history: tuple[PaymentEvent, ...]) -> Payment:
    return Payment(
        transaction_id=row["transaction_id"],
        invoice_id=row["invoice_id"],
        contract_id=row["contract_id"],
        amount=row["amount"],
        method=PaymentMethod(row["method"]),
        state=PaymentState(row["state"]),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        link_url=row["link_url"],
        settled_at=row["settled_at"],
        provider_charge_id=row["provider_charge_id"],
        carried_into=row["carried_into"],
        history=history,
    )
