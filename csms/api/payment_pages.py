"""The sandbox provider's payment pages and its callback, on the public listener (seed 001).

The pages follow 001's manual, one step each:

1. ``GET /pay/{transaction_id}`` (カード情報入力画面): the transaction id (取引ID), the amount
   (金額), the page's expiry (画面有効期限), one-time payment only (一括払いのみ), a test card
   to choose, and 「入力内容を確認する」;
2. ``POST /pay/{transaction_id}/confirm`` (決済内容確認画面): the choice to check, 「前画面に
   戻る」 and one 「お支払い」 button;
3. ``POST /pay/{transaction_id}/pay`` (決済完了画面): the provider charges (once per
   transaction id) and tells the central system by its callback; a second press shows the
   same completed page and charges nothing.

``POST /payments/sandbox/callback`` is that callback as a provider sends it: a JSON body
``{"transaction_id", "charge_id", "amount", "card_token", "card_label"}`` signed with
HMAC-SHA256 under ``payment_sandbox_secret`` in ``X-Sandbox-Signature`` (hex). A replayed
callback changes nothing (``PaymentService.capture``). The pages post HTML forms, so they
take ``application/x-www-form-urlencoded`` bodies of at most 1 KiB.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from csms.api.forms import capped_body, form_fields
from csms.api.responses import error, reply
from csms.billing.price_text import yen_text
from csms.clock import Clock
from csms.errors import Conflict, NotFound
from csms.invoicing.capture import PaymentCapture
from csms.invoicing.models import PaymentState
from csms.invoicing.sandbox import TEST_CARDS, SandboxBooks, SandboxLink, card_token
from csms.invoicing.schedule import jst_day

MAX_FORM_BYTES: Final = 1024
MAX_CALLBACK_BYTES: Final = 4096
TRANSACTION_ID: Final = re.compile(r"PAY-[0-9A-F]{16}")  # payments.new_transaction_id
SIGNATURE: Final = "X-Sandbox-Signature"
STYLE: Final = (
    "body{font-family:sans-serif;max-width:34rem;margin:1rem auto;padding:0 1rem;color:#111}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{font-weight:bold}"
    "button{font-size:1.1rem;padding:.6rem 1.2rem}label{display:block;margin:.5rem 0}"
)


class CallbackAnswer(BaseModel):
    transaction_id: str
    state: str


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = (
        f'<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(text, status)


def _facts(link: SandboxLink) -> str:
    last = jst_day(link.expires_at) - timedelta(days=1)  # expiry is 00:00 JST of the next day
    return (
        f"<dl><dt>取引ID</dt><dd>{html.escape(link.transaction_id)}</dd>"
        f"<dt>金額</dt><dd>{yen_text(link.amount)}</dd>"
        f"<dt>画面有効期限</dt><dd>{last.year}年{last.month}月{last.day}日まで</dd>"
        f"<dt>内容</dt><dd>{html.escape(link.description)}</dd>"
        f"<dt>お支払い回数</dt><dd>一括払いのみ</dd></dl>"
    )


async def _form(request: Request) -> dict[str, str]:
    return await form_fields(request, MAX_FORM_BYTES)


class PaymentPages:
    def __init__(
        self,
        provider: SandboxBooks,
        payments: PaymentCapture,
        clock: Clock,
        secret: str,
    ) -> None:
        self._provider, self._payments, self._clock = provider, payments, clock
        self._secret = secret

    def routes(self) -> list[Route]:
        return [
            Route("/pay/{transaction_id}", self.entry, methods=["GET"]),
            Route("/pay/{transaction_id}/confirm", self.confirm, methods=["POST"]),
            Route("/pay/{transaction_id}/pay", self.pay, methods=["POST"]),
            Route("/payments/sandbox/callback", self.callback, methods=["POST"]),
        ]

    async def entry(self, request: Request) -> Response:
        """Step 1: what is paid, and a test card to choose."""
        link, refusal = await self._usable(request)
        if refusal is not None:
            return refusal
        assert link is not None
        choices = "".join(
            f'<label><input type="radio" name="card" value="{number}"'
            f"{' checked' if number == '4242' else ''}> {html.escape(label)}</label>"
            for number, label in TEST_CARDS.items()
        )
        form = (
            f'<form method="post" action="/pay/{html.escape(link.transaction_id)}/confirm">'
            f"<fieldset><legend>カード（サンドボックスのテストカード）</legend>{choices}</fieldset>"
            "<p><button type=submit>入力内容を確認する</button></p></form>"
        )
        return _page("カード情報入力", _facts(link) + form)

    async def confirm(self, request: Request) -> Response:
        """Step 2: check, go back, or pay (once)."""
        link, refusal = await self._usable(request)
        if refusal is not None:
            return refusal
        assert link is not None
        card = (await _form(request)).get("card", "")
        if card not in TEST_CARDS:
            return _page("入力エラー", "<p>テストカードを選んでください。</p>", 400)
        tx = html.escape(link.transaction_id)
        form = (
            f"<p>カード: {html.escape(TEST_CARDS[card])}</p>"
            f'<form method="post" action="/pay/{tx}/pay">'
            f'<input type="hidden" name="card" value="{card}">'
            "<p>「お支払い」ボタンは1回だけ押してください。</p>"
            "<p><button type=submit>お支払い</button></p></form>"
            f'<p><a href="/pay/{tx}">前画面に戻る</a></p>'
        )
        return _page("決済内容確認", _facts(link) + form)

    async def pay(self, request: Request) -> Response:
        """Step 3: charge once, tell the central system, show the result."""
        link, refusal = await self._usable(request, paid_ok=True)
        if refusal is not None:
            return refusal
        assert link is not None
        card = (await _form(request)).get("card", "")
        if card not in TEST_CARDS:
            return _page("入力エラー", "<p>テストカードを選んでください。</p>", 400)
        token = card_token(card, link.transaction_id)
        charge = await self._provider.charge(token, link.transaction_id, link.amount)
        if not charge.approved:
            await self._payments.declined(link.transaction_id, charge.detail)
            text = "<p>カード会社に承認されませんでした。別のカードでお試しください。</p>"
            return _page("お支払いできませんでした", text, 402)
        body = json.dumps(
            {
                "transaction_id": link.transaction_id,
                "charge_id": charge.charge_id,
                "amount": str(link.amount),
                "card_token": token,
                "card_label": TEST_CARDS[card],
            }
        ).encode()
        answer = await self._capture(body)
        if answer.status_code != 200:
            return _page("お支払いできませんでした", "<p>この決済は完了できません。</p>", 409)
        tx = html.escape(link.transaction_id)
        text = f"<p>お支払い手続きが正常に完了しました（取引ID {tx}）。ありがとうございました。</p>"
        return _page("決済完了", text)

    async def callback(self, request: Request) -> Response:
        """The provider's signed word that a transaction was charged (idempotent)."""
        body = await capped_body(request, MAX_CALLBACK_BYTES)
        if body is None:
            return error(413, "request body too large")
        given = request.headers.get(SIGNATURE, "").encode("latin-1")
        if not hmac.compare_digest(given, signature(self._secret, body).encode()):
            return error(401, f"bad or missing {SIGNATURE}")
        return await self._capture(body)

    async def _capture(self, body: bytes) -> Response:
        try:
            data = json.loads(body)
            transaction_id, charge_id = str(data["transaction_id"]), str(data["charge_id"])
            amount = Decimal(str(data["amount"]))
            token, label = str(data["card_token"]), str(data.get("card_label") or "card")
        except (ValueError, KeyError, TypeError, InvalidOperation):
            return error(400, "the callback is JSON with transaction_id, charge_id, amount")
        if not TRANSACTION_ID.fullmatch(transaction_id):
            return error(404, f"no transaction {transaction_id[:40]!r}")
        try:
            found = await self._payments.capture(transaction_id, charge_id, amount, (token, label))
        except NotFound as exc:
            return error(404, str(exc))
        except Conflict as exc:
            return error(409, str(exc))
        return reply(CallbackAnswer(transaction_id=found.transaction_id, state=found.state.value))

    async def _usable(
        self, request: Request, *, paid_ok: bool = False
    ) -> tuple[SandboxLink | None, Response | None]:
        """The link of the path, or the page that says why it cannot be paid."""
        transaction_id = str(request.path_params["transaction_id"])
        link = None
        if TRANSACTION_ID.fullmatch(transaction_id):
            link = await self._provider.link(transaction_id)
        if link is None:
            return None, _page("見つかりません", "<p>この決済用URLはありません。</p>", 404)
        try:
            payment = await self._payments.payment(transaction_id)
        except NotFound:
            return None, _page("見つかりません", "<p>この決済用URLはありません。</p>", 404)
        if payment.state is PaymentState.PAID and not paid_ok:
            return None, _page("決済完了", "<p>このお支払いは完了しています。</p>")
        if payment.state is PaymentState.PAID:
            return link, None
        if payment.state is PaymentState.CANCELLED:
            text = (
                "<p>請求書が訂正されたため、この決済用URLは無効です。"
                "訂正後の請求書の決済用URLをお送りします。</p>"
            )
            return None, _page("無効な決済用URL", text, 410)
        if payment.state is not PaymentState.OPEN or self._clock.now() >= link.expires_at:
            text = (
                "<p>この決済用URLは有効期限が切れました。"
                "お支払いは次月に合算してご請求し、10日前後に新しい決済用URLをお送りします。</p>"
            )
            return None, _page("有効期限切れ", text, 410)
        return link, None
