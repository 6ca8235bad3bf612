"""Monthly invoices and card payment on an accelerated clock (issue 16 items 5-6; seeds 003,
001): a contract's month closes and its qualified invoice is issued by the scheduler; its link
goes out mid-month with the end of the 20th as expiry; "pay" pressed twice (and the provider's
callback replayed) charges once; the next month is charged to the card on file; an unpaid
link expires, its amount appears on the next invoice and that invoice's link goes out around
the 10th. The server runs for real (PostgreSQL, the API, the public listener's pages); only
its clock is moved by hand."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest
from pypdf import PdfReader

from csms.access.models import Role
from csms.api.payment_pages import SIGNATURE, signature
from csms.bootstrap import CentralSystem
from csms.clock import FixedClock
from tests.conftest import unique
from tests.e2e.conftest import api_client, make_settings
from tests.e2e.test_receipts import NUMBER, REGISTRATION
from tests.e2e.test_reservations import eventually

JST = timezone(timedelta(hours=9))
SECRET = "sandbox-secret-for-tests"


def jst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JST)


class Books:
    """The running system, its clock, the API and the public pages."""

    def __init__(self, system: CentralSystem, clock: FixedClock, api: httpx.AsyncClient) -> None:
        self.system, self.clock, self.api = system, clock, api
        self.public = httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.public_port}")

    def at(self, moment: datetime) -> None:
        self.clock.advance((moment - self.clock.now()).total_seconds())

    async def invoices(self, contract_id: str) -> list[dict[str, Any]]:
        answer = await self.api.get("/api/invoices", params={"contract_id": contract_id})
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["invoices"]
        return found

    async def invoice_of(self, contract_id: str, month: str) -> dict[str, Any]:
        async def issued() -> dict[str, Any] | None:
            for body in await self.invoices(contract_id):
                if body["invoice"]["month"] == month:
                    return body
            return None

        return await eventually(issued)

    async def payments(self, invoice_id: str) -> list[dict[str, Any]]:
        answer = await self.api.get(f"/api/invoices/{invoice_id}/payments")
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["payments"]
        return found

    async def payment_of(self, invoice_id: str, state: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            for payment in await self.payments(invoice_id):
                if payment["state"] == state and (state != "open" or payment["link_url"]):
                    return payment
            return None

        return await eventually(reached)


@pytest.fixture
async def books(migrated_dsn: str) -> AsyncIterator[Books]:
    clock = FixedClock(jst(2025, 5, 20, 12, 0))
    settings = make_settings(
        migrated_dsn, invoice_poll_s=0.05, outbox_poll_s=0.05, payment_sandbox_secret=SECRET
    )
    async with CentralSystem(settings, clock=clock) as system, api_client(system) as api:
        running = Books(system, clock, api)
        yield running
        await running.public.aclose()


async def _contract(books: Books, operator_id: str, readings: dict[str, tuple[str, str]]) -> str:
    contract_id = unique("INV")[:20]
    body = {
        "contract_id": contract_id,
        "operator_id": operator_id,
        "customer_id": unique("CUST")[:20],
        "customer_name": "山田 太郎",
        "email": f"{contract_id.lower()}@example.jp",
        "place_id": unique("PLACE")[:20],
        "parking_space": "B-12",
        "plan_id": "chargeclub-standard",
        "start_date": "2025-05-10",
        "meter": {"serial": "EG-000123", "maker": "エネゲート", "model": "EEM-W1N12"},
    }
    made = await books.api.post("/api/contracts", json=body)
    assert made.status_code == 201, made.text
    for month, (opening, closing) in readings.items():
        path = f"/api/contracts/{contract_id}/readings/{month}"
        put = await books.api.put(path, json={"opening_kwh": opening, "closing_kwh": closing})
        assert put.status_code == 200, put.text
    return contract_id


async def _operator(books: Books) -> str:
    operator_id = unique("OP")
    await books.api.post("/api/operators", json={"operator_id": operator_id, "name": "CPO"})
    path = f"/api/operators/{operator_id}/registration"
    assert (await books.api.put(path, json=REGISTRATION)).status_code == 200
    return operator_id


async def _pay(books: Books, link_url: str, presses: int = 1) -> list[str]:
    """The sandbox pages as a customer goes through them: enter, confirm, pay (pressed
    ``presses`` times); the pages that answered the presses."""
    path = "/" + link_url.split("/", 3)[3]
    entry = await books.public.get(path)
    assert entry.status_code == 200, entry.text
    assert "取引ID" in entry.text
    assert "画面有効期限" in entry.text
    form = {"card": "4242"}
    confirm = await books.public.post(f"{path}/confirm", data=form)
    assert confirm.status_code == 200
    assert "お支払い" in confirm.text
    pages = []
    for _ in range(presses):
        paid = await books.public.post(f"{path}/pay", data=form)
        assert paid.status_code == 200, paid.text
        pages.append(paid.text)
    return pages


async def test_a_month_closes_is_invoiced_paid_once_then_charged_to_the_card(
    books: Books, db: asyncpg.Connection
) -> None:
    operator_id = await _operator(books)
    contract_id = await _contract(
        books, operator_id, {"2025-05": ("0", "100"), "2025-06": ("100", "150.5")}
    )
    assert await books.invoices(contract_id) == []  # May has not ended
    books.at(jst(2025, 6, 1, 0, 0, 30))
    may = await books.invoice_of(contract_id, "2025-05")
    invoice = may["invoice"]
    assert invoice["issuer"]["registration_number"] == NUMBER
    assert invoice["recipient"]["name"] == "山田 太郎"
    assert (invoice["period_start"], invoice["period_end"]) == ("2025-05-01", "2025-05-31")
    kinds = {line["kind"]: line["amount"] for line in invoice["lines"]}
    assert kinds == {"equipment_fee": "2200", "energy": "3500", "surcharge": "398"}
    assert invoice["total"] == "6098"
    assert invoice["amount_due"] == "6098"
    assert may["tax"] == {"10%": {"taxable": "6098", "tax": "554"}, "out_of_scope": "0"}

    books.at(jst(2025, 6, 14, 23, 0))  # not before the link day (the 15th)
    await books.system.invoicing.clock.tick()
    assert await books.payments(invoice["invoice_id"]) == []
    books.at(jst(2025, 6, 15, 0, 0, 10))
    link = await books.payment_of(invoice["invoice_id"], "open")
    assert link["method"] == "link"
    assert link["amount"] == "6098"
    assert datetime.fromisoformat(link["expires_at"]) == jst(2025, 6, 21)  # the end of the 20th
    mail = await db.fetchrow(
        "SELECT recipient, body FROM outbox WHERE kind = 'payment_link' AND body LIKE $1",
        f"%{link['transaction_id']}%",
    )
    assert mail is not None
    assert mail["recipient"].startswith(contract_id.lower())
    assert link["link_url"] in mail["body"]
    assert "2025年6月20日まで" in mail["body"]

    books.at(jst(2025, 6, 18, 9, 0))
    pages = await _pay(books, link["link_url"], presses=2)  # "pay" pressed twice
    assert all("決済完了" in page for page in pages)
    again = await books.public.get("/" + link["link_url"].split("/", 3)[3])
    assert "このお支払いは完了しています" in again.text
    tx = link["transaction_id"]
    callback = json.dumps(
        {
            "transaction_id": tx,
            "charge_id": await db.fetchval(
                "SELECT charge_id FROM sandbox_charges WHERE transaction_id = $1", tx
            ),
            "amount": "6098",
            "card_token": f"sandbox-card-4242-{tx}",
        }
    ).encode()
    headers = {SIGNATURE: signature(SECRET, callback), "Content-Type": "application/json"}
    replayed = await books.public.post(
        "/payments/sandbox/callback", content=callback, headers=headers
    )
    assert replayed.status_code == 200
    assert replayed.json()["state"] == "paid"
    forged = await books.public.post(
        "/payments/sandbox/callback", content=callback, headers={SIGNATURE: "00"}
    )
    assert forged.status_code == 401
    charges = await db.fetchval(
        "SELECT count(*) FROM sandbox_charges WHERE transaction_id = $1 AND approved", tx
    )
    assert charges == 1  # pressed twice, replayed once: charged once
    paid = (await books.api.get(f"/api/payments/{tx}")).json()
    assert paid["state"] == "paid"
    states = [event["state"] for event in paid["history"]]
    assert states.count("paid") == 1
    assert states.count("replayed") == 2

    books.at(jst(2025, 7, 1, 0, 0, 30))
    june = (await books.invoice_of(contract_id, "2025-06"))["invoice"]
    assert june["carried_over"] == "0"
    assert {line["kind"]: line["amount"] for line in june["lines"]}["energy"] == "1767"
    books.at(jst(2025, 7, 15, 0, 0, 10))  # the card on file is charged: no link
    charged = await books.payment_of(june["invoice_id"], "paid")
    assert charged["method"] == "card_on_file"
    assert charged["link_url"] is None


async def test_an_unpaid_link_expires_and_is_carried_into_the_next_invoice(
    books: Books, db: asyncpg.Connection
) -> None:
    operator_id = await _operator(books)
    contract_id = await _contract(
        books, operator_id, {"2025-05": ("0", "10"), "2025-06": ("10", "20")}
    )
    books.at(jst(2025, 6, 15, 0, 0, 10))  # May is issued and its link goes out in one tick
    may = (await books.invoice_of(contract_id, "2025-05"))["invoice"]
    assert may["amount_due"] == "2589"  # 2,200 + 350 + floor(10 x 3.98)
    link = await books.payment_of(may["invoice_id"], "open")
    books.at(jst(2025, 6, 21, 0, 0, 5))  # past the end of the 20th, unpaid
    expired = await books.payment_of(may["invoice_id"], "expired")
    gone = await books.public.get("/" + link["link_url"].split("/", 3)[3])
    assert gone.status_code == 410
    assert "有効期限切れ" in gone.text

    books.at(jst(2025, 7, 1, 0, 0, 30))
    june = await books.invoice_of(contract_id, "2025-06")
    invoice = june["invoice"]
    carried = [line for line in invoice["lines"] if line["kind"] == "carried_over"]
    assert [line["amount"] for line in carried] == ["2589"]
    assert carried[0]["tax_category"] == "already_taxed"
    assert invoice["total"] == "2589"
    assert invoice["amount_due"] == "5178"
    assert june["tax"]["10%"] == {"taxable": "2589", "tax": "235"}  # not taxed again
    assert invoice["carried_from"] == [expired["transaction_id"]]
    assert (await books.api.get(f"/api/payments/{link['transaction_id']}")).json()[
        "carried_into"
    ] == invoice["invoice_id"]

    books.at(jst(2025, 7, 9, 23, 0))
    await books.system.invoicing.clock.tick()
    assert await books.payments(invoice["invoice_id"]) == []  # not before the 10th
    books.at(jst(2025, 7, 10, 0, 0, 10))
    again = await books.payment_of(invoice["invoice_id"], "open")
    assert again["amount"] == "5178"
    assert again["method"] == "link"
    assert datetime.fromisoformat(again["expires_at"]) == jst(2025, 7, 21)

    pdf = await books.api.get(f"/api/invoices/{invoice['invoice_id']}", params={"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"登録番号 {NUMBER}" in text
    assert "うち消費税（10%） 235円" in text
    assert "5,178円" in text
    assert "2,589円" in text
    metrics = (await books.api.get("/metrics")).text
    assert 'csms_payments_total{state="expired"}' in metrics
    assert 'csms_payments_total{state="carried_over"}' in metrics


async def test_an_invoice_is_immutable_a_correction_replaces_it_and_tenants_stay_apart(
    books: Books, db: asyncpg.Connection
) -> None:
    unregistered = unique("OP")
    await books.api.post("/api/operators", json={"operator_id": unregistered, "name": "CPO"})
    waiting_id = await _contract(books, unregistered, {"2025-05": ("0", "1")})
    operator_id = await _operator(books)
    contract_id = await _contract(books, operator_id, {"2025-05": ("0", "10")})
    books.at(jst(2025, 6, 12, 9, 0))  # issued, its link not yet due (the 15th)
    first = (await books.invoice_of(contract_id, "2025-05"))["invoice"]
    waiting = (await books.api.get("/api/invoicing/waiting")).json()["waiting"]
    assert {"contract_id": waiting_id, "month": "2025-05", "reason": "no_registered_details"} in [
        {k: w[k] for k in ("contract_id", "month", "reason")} for w in waiting
    ]
    with pytest.raises(asyncpg.RestrictViolationError, match="immutable"):
        await db.execute("UPDATE invoices SET total = 0 WHERE invoice_id = $1", first["invoice_id"])

    path = f"/api/contracts/{contract_id}/readings/2025-05"
    assert (
        await books.api.put(path, json={"opening_kwh": "0", "closing_kwh": "12"})
    ).status_code == 200
    corrected = await books.api.post(f"/api/invoices/{first['invoice_id']}/correction")
    assert corrected.status_code == 201, corrected.text
    second = corrected.json()["invoice"]
    assert second["corrects"] == first["invoice_id"]
    assert second["invoice_number"] == f"{contract_id}-2025-05-C1"
    assert second["amount_due"] == "2667"  # 2,200 + 420 + floor(12 x 3.98)
    old = (await books.api.get(f"/api/invoices/{first['invoice_id']}")).json()
    assert old["corrected_by"] == second["invoice_id"]
    assert old["invoice"]["amount_due"] == "2589"
    again = await books.api.post(f"/api/invoices/{first['invoice_id']}/correction")
    assert again.status_code == 409  # correct the latest one
    books.at(jst(2025, 6, 12, 9, 1))  # a correction is sent at once, not on the 15th
    link = await books.payment_of(second["invoice_id"], "open")
    assert link["amount"] == "2667"
    assert await books.payments(first["invoice_id"]) == []  # the corrected one asks nothing

    async with api_client(books.system, Role.OPERATOR, unregistered) as other:
        assert (await other.get(f"/api/invoices/{second['invoice_id']}")).status_code == 404
        assert (await other.get(f"/api/payments/{link['transaction_id']}")).status_code == 404
        listed = await other.get("/api/invoices", params={"contract_id": contract_id})
        assert listed.json()["invoices"] == []
