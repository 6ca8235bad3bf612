"""The local sandbox payment provider's terms (seed 001's card payment without a card
company): its test cards, their tokens, and the books its pages read (the provider itself is
``storage/sandbox_payments.py``). No card number exists anywhere: a customer chooses a test
card, and the provider knows it by a token. A declining card's token is declined."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol

from csms.invoicing.models import Charge
from csms.records import frozen

DECLINING: Final = "sandbox-declined-"
TEST_CARDS: Final = {
    "4242": "VISA ****4242（承認されるテストカード）",
    "0002": "****0002（拒否されるテストカード）",
}


@frozen
class SandboxLink:
    """What the provider was asked to collect under one transaction id."""

    transaction_id: str
    amount: Decimal
    expires_at: datetime
    description: str


def card_token(card: str, transaction_id: str) -> str:
    """The token of a test card for one transaction (the same token for the same choice)."""
    kind = DECLINING if card == "0002" else "sandbox-card-"
    return f"{kind}{card}-{transaction_id}"


class SandboxBooks(Protocol):
    """The sandbox provider as its pages use it."""

    async def link(self, transaction_id: str) -> SandboxLink | None: ...
    async def charge(self, card_token: str, transaction_id: str, amount: Decimal) -> Charge: ...
    async def approved_charges(self, transaction_id: str) -> int: ...
