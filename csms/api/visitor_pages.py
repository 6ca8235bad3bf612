"""The visitors' pages on the public listener (seed 000; seed 004 for password stands).

``GET /v/{stand_id}`` is the page a stand plate's QR code opens, in Japanese with English:

1. the stand's name and price to check (料金の確認);
2. name, e-mail and the card, registered with the payment service (the sandbox here: no card
   number ever reaches this server, only the service's reference), sent to
   ``POST /public/stands/{stand_id}/visits`` by the page's script;
3. the 60-second touch window counting down with the live result (touched, charging,
   expired), or the one-time password at a password stand; then the charging-complete state
   with the fee.

``GET /public/visits/{visitor_id}`` is the visit's state for the page (the visitor id is a
random UUID, known only to the visitor's page): ``{"state", "seconds_left", "total"}``.
Stand ids are printed on the plates, so the page of an unknown stand is a plain 404; both
routes are limited per client address (``PAGE_RATE``), which slows guessing.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Final

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from csms.api.responses import error, reply
from csms.authorization.models import Stand
from csms.authorization.visitors import UnknownStand, VisitorService
from csms.errors import NotFound

PriceOf = Callable[[Stand, str], Awaitable[str | None]]
PAGE_RATE: Final = "120/minute"  # per client address: a visit's page polls every 2-5 s
CSP: Final = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
STYLE: Final = (
    "body{font-family:sans-serif;max-width:30rem;margin:0 auto;padding:1rem;color:#111;"
    "line-height:1.5}label{display:block;margin:.6rem 0 .2rem}input{width:100%;padding:.5rem;"
    "font-size:1rem;box-sizing:border-box}button{font-size:1.1rem;padding:.7rem 1.2rem;"
    "margin-top:1rem;width:100%}.en{color:#555;font-size:.9em}.big{font-size:2.5rem;"
    "font-weight:bold;text-align:center}#result{font-size:1.3rem;font-weight:bold}"
    "section{border:1px solid #ccc;border-radius:6px;padding:.8rem;margin:.8rem 0}"
)


class VisitBody(BaseModel):
    state: str
    seconds_left: int
    total: str | None


class PageLimits:
    """Requests per client address to the visitors' pages: generous enough for a page that
    asks for its visit's state every few seconds, tight enough to slow stand-id guessing and
    to keep one client from flooding the database (``limits``, in this process's memory)."""

    def __init__(self, rate: str = PAGE_RATE) -> None:
        self._rate = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def allows(self, request: Request) -> bool:
        address = request.client.host if request.client is not None else ""
        return await self._limiter.hit(self._rate, "visitor-pages", address)


class VisitorPages:
    def __init__(
        self, visitors: VisitorService, price_of: PriceOf, limits: PageLimits | None = None
    ) -> None:
        self._visitors, self._price_of = visitors, price_of
        self._limits = limits or PageLimits()

    def routes(self) -> list[Route]:
        return [
            Route("/v/{stand_id}", self.page, methods=["GET"]),
            Route("/v-static/visit.js", self.script, methods=["GET"]),
            Route("/public/visits/{visitor_id}", self.visit, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        if not await self._limits.allows(request):
            return _html("しばらくお待ちください / Please wait", "<p>429</p>", 429)
        stand_id = str(request.path_params["stand_id"])
        try:
            stand = await self._visitors.stand(stand_id[:64])
        except UnknownStand:
            return _html("見つかりません / Not found", "<p>この充電スタンドはありません。</p>", 404)
        name = html.escape(stand.label or f"{stand.station_id} / {stand.evse_id}")
        price_ja = await self._price_of(stand, "ja") or "—"
        price_en = await self._price_of(stand, "en") or "—"
        prices = (html.escape(price_ja), html.escape(price_en))
        body = _steps(html.escape(stand.stand_id), name, prices, stand.uses_passwords)
        return _html(f"充電スタンド {name}", body)

    async def script(self, request: Request) -> Response:
        text = files("csms.api").joinpath("visitor_static/visit.js").read_text(encoding="utf-8")
        return Response(text, media_type="text/javascript")

    async def visit(self, request: Request) -> Response:
        if not await self._limits.allows(request):
            answer = error(429, "too many requests; try again in a few seconds")
            answer.headers["Retry-After"] = "5"
            return answer
        try:
            visitor_id = uuid.UUID(str(request.path_params["visitor_id"]))
            state = await self._visitors.progress(visitor_id)
        except (ValueError, NotFound):
            return error(404, "no such visit")
        total = None if state.total is None else str(state.total)
        return reply(VisitBody(state=state.state, seconds_left=state.seconds_left, total=total))


def _html(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>{body}"
        '<script src="/v-static/visit.js"></script></body></html>'
    )
    answer = HTMLResponse(page, status)
    answer.headers["Content-Security-Policy"] = CSP
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _steps(stand_id: str, name: str, prices: tuple[str, str], passwords: bool) -> str:
    """The three steps of seed 000 (a password stand: the password instead of the touch)."""
    touch = (
        "ワンタイムパスワードを発行します"
        " <span class=en lang=en>A one-time password is issued</span>"
        if passwords
        else "登録後60秒以内に、お手持ちのFeliCaカードを充電器にタッチしてください"
        " <span class=en lang=en>After registering, touch any FeliCa card within 60 s</span>"
    )
    return f"""
<h1>充電スタンド <span class=en lang=en>Charging stand</span></h1>
<section id=step1><h2>1. ご確認 <span class=en lang=en>Check</span></h2>
<p id=stand-name>{name}</p>
<p>料金 <span class=en lang=en>Price</span>: <span id=price>{prices[0]}</span>
<br><span class=en lang=en>{prices[1]}</span></p></section>
<section id=step2><h2>2. ご登録 <span class=en lang=en>Register</span></h2>
<form id=visit data-stand="{stand_id}">
<label for=name>お名前 <span class=en lang=en>Name</span></label>
<input id=name name=name autocomplete=name required maxlength=100>
<label for=email>メールアドレス <span class=en lang=en>E-mail</span></label>
<input id=email name=email type=email autocomplete=email required maxlength=254>
<label><input id=notify name=notify type=checkbox style="width:auto"> 充電完了メールを受け取る
<span class=en lang=en>Mail me when charging is complete</span></label>
<label for=card>カード <span class=en lang=en>Card</span> (決済サービスで登録 / registered with the
payment service: sandbox)</label>
<input id=card name=card value="テストカード / test card" readonly>
<p>{touch}</p>
<button type=submit>登録する <span class=en lang=en>Register</span></button>
</form><p id=error role=alert></p></section>
<section id=step3 hidden><h2>3. カードをタッチ <span class=en lang=en>Touch your card</span></h2>
<p class=big id=countdown aria-live=off></p>
<p id=password hidden></p>
<p id=result aria-live=polite></p></section>
"""
