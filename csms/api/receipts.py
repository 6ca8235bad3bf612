"""The operator's registered details and a session's receipt (seed 002 第19条).

``PUT /api/operators/{operator_id}/registration`` with ``{"legal_name",
"registration_number", "corporate"?, "address"?, "phone"?}`` registers (or replaces) the
details a receipt is issued from, answered 200 with them; ``GET`` of the same path gives
them (404 while there are none). ``registration_number`` is ``T`` + 13 digits; with
``corporate`` (default true) its first digit must be the corporate number's check digit
(``csms/billing/registration.py``); a bad one is 400 saying why.

``GET /api/sessions/{session_id}/receipt`` is the qualified simplified invoice
(適格簡易請求書) of the session's current issued statement as JSON, or as a PDF in Japanese
with ``?format=pdf`` or ``Accept: application/pdf`` (``pdf_receipt.py``). Refusals: 404
``no_such_session`` (or another operator's), 404 ``no_issued_statement`` (not finished,
unpriced or held for review), 409 ``no_registered_details`` (the operator has registered
none: no receipt is issued, 第19条; 409, not 404, as the session and its statement exist
and it is the operator's state that refuses). An operator's key reaches only its own
operator's details and sessions (another's: 404).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.administration.receipts import (
    NoIssuedStatement,
    NoRegisteredDetails,
    NoSuchSession,
    Registration,
)
from csms.api.error_status import answers_errors, guarded, status_of
from csms.api.parsing import (
    Flag,
    FreeText,
    OptionalFreeText,
    OptionalText,
    RequestBody,
    read_body,
    read_query,
    session_id,
)
from csms.api.pdf_receipt import receipt_pdf
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.api.route_models import describe

if TYPE_CHECKING:
    from csms.administration.receipts import ReceiptService
    from csms.settlement.receipts import OperatorDetails, Receipt

PDF = "application/pdf"


class RegistrationChange(RequestBody):
    legal_name: FreeText = Field(description="登録事業者の氏名又は名称, as registered")
    registration_number: FreeText = Field(description="T + 13 digits (適格請求書の登録番号)")
    corporate: Flag = Field(
        True, description="the 13 digits are a corporate number (法人番号): check digit checked"
    )
    address: OptionalFreeText = None
    phone: OptionalText = None


class RegistrationBody(BaseModel):
    """The operator's registered details, from which its receipts are issued."""

    operator_id: str
    legal_name: str
    registration_number: str
    corporate: bool
    address: str | None
    phone: str | None
    updated_at: datetime | None


class ReceiptQuery(BaseModel):
    format: Literal["json", "pdf"] | None = Field(None, description="pdf: the receipt as a PDF")


class ReceiptLineBody(BaseModel):
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


class TaxBody(BaseModel):
    taxable: Decimal = Field(description="the lines' total at this rate, tax included")
    tax: Decimal = Field(description="the consumption tax it includes")


class ReceiptBody(BaseModel):
    """A qualified simplified invoice (適格簡易請求書); money as strings of integer yen."""

    title: str
    issuer: RegistrationBody
    statement_id: UUID
    session_id: UUID
    transaction_date: date = Field(description="取引年月日: the JST day the session ended")
    issued_at: datetime | None
    supplied: str
    station_id: str | None
    lines: list[ReceiptLineBody]
    total: Decimal = Field(description="tax included")
    tax: dict[str, TaxBody] = Field(description='per rate: {"10%": {"taxable", "tax"}}')
    currency: str
    corrects: UUID | None


def registration_body(details: OperatorDetails) -> RegistrationBody:
    return RegistrationBody(
        operator_id=details.operator_id,
        legal_name=details.legal_name,
        registration_number=str(details.registration_number),
        corporate=details.corporate,
        address=details.address,
        phone=details.phone,
        updated_at=details.updated_at,
    )


def receipt_body(receipt: Receipt) -> ReceiptBody:
    lines = [ReceiptLineBody.model_validate(line, from_attributes=True) for line in receipt.lines]
    tax = {
        f"{rate.rate_percent.normalize():f}%": TaxBody(taxable=rate.total, tax=rate.tax)
        for rate in receipt.taxes
    }
    return ReceiptBody(
        title=receipt.title,
        issuer=registration_body(receipt.issuer),
        statement_id=receipt.statement_id,
        session_id=receipt.session_id,
        transaction_date=receipt.transaction_date,
        issued_at=receipt.issued_at,
        supplied=receipt.supplied,
        station_id=receipt.station_id,
        lines=lines,
        total=receipt.total,
        tax=tax,
        currency=receipt.currency,
        corrects=receipt.corrects,
    )


def wants_pdf(request: Request) -> bool:
    """``?format=pdf``, or no ``format`` and an Accept that names application/pdf."""
    chosen = read_query(request, ReceiptQuery).format
    if chosen is not None:
        return chosen == "pdf"
    return PDF in request.headers.get("accept", "")


class ReceiptsResource:
    def __init__(self, receipts: ReceiptService) -> None:
        self._receipts = receipts

    def routes(self) -> list[Route]:
        registration = "/api/operators/{operator_id}/registration"
        return [
            Route(registration, guarded(self.register), methods=["PUT"]),
            Route(registration, guarded(self.registration), methods=["GET"]),
            Route("/api/sessions/{session_id}/receipt", answers_errors(self.receipt)),
        ]

    @describe(body=RegistrationChange, answer=RegistrationBody, errors=("not_found",))
    async def register(self, request: Request) -> Response:
        """Register (or replace) the operator's details; a bad number is 400 saying why."""
        change = await read_body(request, RegistrationChange)
        registration = Registration(
            operator_id=str(request.path_params["operator_id"]), **change.model_dump()
        )
        saved = await self._receipts.register(registration, scope=scope_of(request))
        return reply(registration_body(saved))

    @describe(answer=RegistrationBody, errors=("not_found",))
    async def registration(self, request: Request) -> Response:
        """The operator's registered details (404 while there are none)."""
        operator_id = str(request.path_params["operator_id"])
        found = await self._receipts.registration(operator_id, scope=scope_of(request))
        return reply(registration_body(found))

    @describe(
        query=ReceiptQuery,
        answer=ReceiptBody,
        errors=("no_such_session", "no_issued_statement", "no_registered_details"),
    )
    async def receipt(self, request: Request) -> Response:
        """The session's receipt (適格簡易請求書): JSON, or a PDF in Japanese."""
        wanted, pdf = session_id(request), wants_pdf(request)
        try:
            receipt = await self._receipts.receipt(wanted, scope=scope_of(request))
        except (NoSuchSession, NoIssuedStatement, NoRegisteredDetails) as refused:
            return error(status_of(refused), str(refused), refused.code)
        if not pdf:
            return reply(receipt_body(receipt))
        disposition = f'inline; filename="receipt-{receipt.session_id}.pdf"'
        headers = {"Content-Disposition": disposition}
        return Response(receipt_pdf(receipt), media_type=PDF, headers=headers)
