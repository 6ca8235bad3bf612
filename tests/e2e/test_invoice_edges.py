"""Invoices and payments at their edges (issue 16; seeds 003, 001): what a review found could
charge twice or lose money. A correction retires the corrected invoice's expired payment (its
amount is asked for once, by the correction); the final invoice's unpaid amount gets an
invoice of its own after the contract's end; a charge whose callback was lost is captured,
not expired; two schedulers ticking at once send one link and one mail; and the public pages
answer bad input with 4xx, never 500."""

from __future__ import annotations

import asyncio
import json

import asyncpg

from csms.api.payment_pages import SIGNATURE, signature
from tests.e2e.test_invoices import SECRET, Books, _contract, _operator, books, jst

__all__ = ["books"]  # the fixture


async def test_a_correction_retires_the_expired_payment_and_the_last_amount_is_not_lost(
    books: Books, db: asyncpg.Connection
) -> None:
    operator_id = await _operator(books)
    corrected_id = await _contract(books, operator_id, {"2025-05": ("0", "10")})
    ending_id = await _contract(books, operator_id, {"2025-05": ("0", "10")})
    ended = await books.api.post(  # May is its last billed month
        f"/api/contracts/{ending_id}/termination",
        json={"terminated_on": "2025-05-31", "handed_back_on": "2025-05-31"},
    )
    assert ended.status_code == 200, ended.text
    books.at(jst(2025, 6, 15, 0, 0, 10))
    may = (await books.invoice_of(corrected_id, "2025-05"))["invoice"]
    last = (await books.invoice_of(ending_id, "2025-05"))["invoice"]
    await books.payment_of(may["invoice_id"], "open")
    await books.payment_of(last["invoice_id"], "open")
    books.at(jst(2025, 6, 21, 0, 0, 5))
    await books.payment_of(may["invoice_id"], "expired")
    await books.payment_of(last["invoice_id"], "expired")

    correction = await books.api.post(f"/api/invoices/{may['invoice_id']}/correction")
    assert correction.status_code == 201, correction.text
    fixed = correction.json()["invoice"]
    assert fixed["corrects_number"] == may["invoice_number"]
    await books.payment_of(fixed["invoice_id"], "open")  # sent at once
    books.at(jst(2025, 7, 1, 0, 0, 30))
    await books.system.invoicing.clock.tick()
    carried = await db.fetchval(
        "SELECT carried_into FROM payments WHERE invoice_id = $1", may["invoice_id"]
    )
    assert str(carried) == fixed["invoice_id"]  # asked for by the correction, not carried again

    after = (await books.invoice_of(ending_id, "2025-06"))["invoice"]  # after the end
    assert [line["kind"] for line in after["lines"]] == ["carried_over"]
    assert after["total"] == "0"
    assert after["amount_due"] == last["amount_due"]
    books.at(jst(2025, 7, 10, 0, 0, 10))
    await books.payment_of(after["invoice_id"], "open")  # its link on the 10th
    books.at(jst(2025, 8, 1, 0, 0, 30))  # June's link expired on the 21st: carried again
    july = (await books.invoice_of(ending_id, "2025-07"))["invoice"]
    assert july["amount_due"] == last["amount_due"]
    assert july["carried_from"] == [
        (await books.payments(after["invoice_id"]))[0]["transaction_id"]
    ]


async def test_a_lost_callback_is_captured_and_two_ticks_send_one_link(
    books: Books, db: asyncpg.Connection
) -> None:
    operator_id = await _operator(books)
    contract_id = await _contract(books, operator_id, {"2025-05": ("0", "10")})
    books.at(jst(2025, 6, 1, 0, 0, 30))
    invoice = (await books.invoice_of(contract_id, "2025-05"))["invoice"]
    books.at(jst(2025, 6, 15, 0, 0, 10))
    clock = books.system.invoicing.clock
    await asyncio.gather(clock.tick(), clock.tick(), clock.tick())
    link = await books.payment_of(invoice["invoice_id"], "open")
    assert len(await books.payments(invoice["invoice_id"])) == 1
    mails = await db.fetchval(
        "SELECT count(*) FROM outbox WHERE kind = 'payment_link' AND body LIKE $1",
        f"%{link['transaction_id']}%",
    )
    assert mails == 1

    tx = link["transaction_id"]  # the provider charges; its word never reaches us
    charge = await books.system.invoicing.provider.charge(f"sandbox-card-4242-{tx}", tx, 2589)
    assert charge.approved
    books.at(jst(2025, 6, 21, 0, 0, 5))
    paid = await books.payment_of(invoice["invoice_id"], "paid")
    assert paid["provider_charge_id"] == charge.charge_id  # captured, not expired


async def test_the_payment_pages_answer_bad_input_with_4xx(books: Books) -> None:
    public = books.public
    assert (await public.get("/pay/%00")).status_code == 404
    assert (await public.get("/pay/PAY-0000000000000000")).status_code == 404
    flood = await public.post(
        "/pay/PAY-0000000000000000/confirm",
        content=b"card=4242" + b"&" * 50,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert flood.status_code == 404
    body = json.dumps(
        {
            "transaction_id": "PAY-0000000000000000",
            "charge_id": "x",
            "amount": "sNaN",
            "card_token": "t",
        }
    ).encode()
    latin = await public.post(
        "/payments/sandbox/callback", content=body, headers={SIGNATURE: "\u00e9".encode("latin-1")}
    )
    assert latin.status_code == 401
    signed = {SIGNATURE: signature(SECRET, body)}
    nan = await public.post("/payments/sandbox/callback", content=body, headers=signed)
    assert nan.status_code == 404  # no such transaction, and no 500 on the way
    broken = b"{not json"
    refused = await public.post(
        "/payments/sandbox/callback",
        content=broken,
        headers={SIGNATURE: signature(SECRET, broken)},
    )
    assert refused.status_code == 400
    huge = b"x" * 10_000
    too_big = await public.post("/payments/sandbox/callback", content=huge)
    assert too_big.status_code == 413
