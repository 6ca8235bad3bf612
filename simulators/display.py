"""What the driver sees on the charger's screen: prices, running and final costs.

A cost is kept as the number's own text (``"123.50"``), never a float: ``client`` decodes
every frame with ``parse_float=Decimal`` and so does ``decoded`` here for the JSON text in a
1.6 DataTransfer, so ``str()`` gives back the digits the central system sent.

Sources: 2.0.1 TransactionEventResponse ``totalCost`` / ``updatedPersonalMessage`` (I02,
I03) and CostUpdated (I02); 1.6 DataTransfer vendor ``org.openchargealliance.costmsg``
(OCA whitepaper "OCPP & California Pricing Requirements": SetUserPrice, RunningCost,
FinalCost).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

COST_VENDOR: Final = "org.openchargealliance.costmsg"
# the whitepaper's messageId -> what the screen shows
COST_MESSAGES: Final = {"SetUserPrice": "price", "RunningCost": "running", "FinalCost": "final"}


@dataclass(frozen=True)
class Displayed:
    """One thing shown to the driver: a price text, a running cost or the final cost."""

    kind: str  # "price" | "running" | "final"
    cost: str | None = None
    text: str | None = None
    transaction_id: str | None = None

    def line(self) -> str:
        """One log line: ``display running 123 料金 123円（税込）``."""
        parts = ["display", self.kind, self.cost or "-", self.text or ""]
        return " ".join(parts).rstrip()


def cost_string(value: Any) -> str | None:
    """A JSON number as its text (a Decimal or int from the decoders); None stays None."""
    return None if value is None else str(value)


def decoded(data: Any) -> dict[str, Any]:
    """A DataTransfer ``data``: JSON text (1.6 §5.6 data is a string) or an object already;
    ValueError if it is neither an object nor JSON text of one."""
    parsed = json.loads(data, parse_float=Decimal) if isinstance(data, str) else data
    if not isinstance(parsed, dict):
        raise ValueError("costmsg data is not a JSON object")
    return parsed


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def from_cost_message(message_id: str, data: Any) -> Displayed | None:
    """A California Pricing DataTransfer as what the screen shows; None if not one of them.

    SetUserPrice: idToken, priceText; RunningCost: transactionId, timestamp, meterValue,
    cost, state, chargingPrice...; FinalCost: transactionId, cost, priceText, qrCodeText.
    """
    kind = COST_MESSAGES.get(message_id)
    if kind is None:
        return None
    fields = decoded(data)
    return Displayed(
        kind,
        cost=cost_string(fields.get("cost")),
        text=_optional_str(fields.get("priceText")),
        transaction_id=_optional_str(fields.get("transactionId")),
    )


def from_transaction_answer(
    answer: dict[str, Any], transaction_id: str, *, final: bool
) -> Displayed | None:
    """A 2.0.1 TransactionEventResponse's totalCost / updatedPersonalMessage (I02, I03)."""
    cost = cost_string(answer.get("totalCost"))
    text = _optional_str((answer.get("updatedPersonalMessage") or {}).get("content"))
    if cost is None and text is None:
        return None
    return Displayed("final" if final else "running", cost, text, transaction_id)
