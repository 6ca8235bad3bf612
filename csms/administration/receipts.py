"""The operator's registered details and the receipts issued from them (seed 002 第19条).

An operator registers its legal name (登録事業者の氏名又は名称), its registration number of
the qualified-invoice system (T + 13 digits, ``csms/billing/registration.py``) and
optionally its address and phone; a session's receipt (適格簡易請求書,
``csms/settlement/receipts.py``) is built from the session's current issued statement and
those details. Without them no receipt is issued (第19条), and the refusal says why.

Tenancy as in ``service.py``: with ``scope=OPERATOR_ID`` (an operator's key) only that
operator's details and sessions exist; another operator's are answered as if they did not
(NotFound), so ids cannot be probed. ``scope=None`` is an admin.
"""

from __future__ import annotations

from typing import ClassVar, Final, Protocol
from uuid import UUID

from csms.billing.registration import InvalidRegistrationNumber, RegistrationNumber
from csms.errors import Conflict, InvalidInput, NotFound
from csms.ports import EventRecorder, UnitOfWorkProvider
from csms.records import frozen
from csms.settlement.models import Statement, StatementStatus
from csms.settlement.ports import StatementRepository
from csms.settlement.receipts import OperatorDetails, Receipt, build_receipt

NAME_MAX: Final = 200
ADDRESS_MAX: Final = 500
PHONE_MAX: Final = 40


@frozen
class Registration:
    """What an operator registers, as given (the number is read by the service)."""

    operator_id: str
    legal_name: str
    registration_number: str
    corporate: bool = True
    address: str | None = None
    phone: str | None = None


@frozen
class SessionIssuer:
    """Whose session it is: its station's operator (None: a station of no operator) and
    that operator's registered details (None: it has none)."""

    operator_id: str | None
    details: OperatorDetails | None


class OperatorDetailsRepository(Protocol):
    async def get(self, operator_id: str) -> OperatorDetails | None: ...
    async def save(self, details: OperatorDetails) -> OperatorDetails | None:
        """Insert or replace the operator's details; the stored row, None: no such operator."""
        ...

    async def issuer_of_session(self, session_id: UUID) -> SessionIssuer | None:
        """The session's operator and its details; None: no such session."""
        ...


class ReceiptsUnitOfWork(EventRecorder, Protocol):
    operator_details: OperatorDetailsRepository
    statements: StatementRepository


class NoSuchSession(NotFound):
    code: ClassVar[str] = "no_such_session"


class NoIssuedStatement(NotFound):
    """The session has no issued statement (not finished, unpriced, or held for review)."""

    code: ClassVar[str] = "no_issued_statement"


class NoRegisteredDetails(Conflict):
    """The operator has no registered details: no receipt is issued (002 第19条)."""

    code: ClassVar[str] = "no_registered_details"


class ReceiptService:
    def __init__(self, uow: UnitOfWorkProvider[ReceiptsUnitOfWork]) -> None:
        self._uow = uow

    async def register(
        self, registration: Registration, *, scope: str | None = None
    ) -> OperatorDetails:
        """Register (or replace) the operator's details; the number's check digit is checked
        when ``registration.corporate`` (csms/billing/registration.py).

        Raises:
            InvalidInput: a bad number (the reason) or name, address or phone.
            NotFound: no such operator, or another operator's for an operator's key.
        """
        _visible(registration.operator_id, scope)
        checked = _checked(registration)
        async with self._uow() as uow:
            saved = await uow.operator_details.save(checked)
        if saved is None:
            raise NotFound(f"no operator {registration.operator_id!r}")
        return saved

    async def registration(self, operator_id: str, *, scope: str | None = None) -> OperatorDetails:
        """The operator's registered details; NotFound when it has none or is out of scope."""
        _visible(operator_id, scope)
        async with self._uow() as uow:
            found = await uow.operator_details.get(operator_id)
        if found is None:
            raise NotFound(f"operator {operator_id!r} has no registered details")
        return found

    async def receipt(self, session_id: UUID, *, scope: str | None = None) -> Receipt:
        """The receipt of the session's current statement, issued from its operator's details.

        Raises:
            NoSuchSession: no such session, or another operator's for an operator's key.
            NoIssuedStatement: the current statement is not issued, or there is none yet.
            NoRegisteredDetails: the session's operator has no registered details (第19条).
        """
        async with self._uow() as uow:
            issuer = await uow.operator_details.issuer_of_session(session_id)
            if issuer is None or (scope is not None and issuer.operator_id != scope):
                raise NoSuchSession("no such session")
            statements = await uow.statements.of_session(session_id)
        current = _issued(statements)
        if issuer.details is None:
            raise NoRegisteredDetails(
                f"the operator {issuer.operator_id or '(none)'} has no registered details: "
                "no receipt is issued (002 第19条); register them with "
                "PUT /api/operators/{operator_id}/registration"
            )
        return build_receipt(current, issuer.details)


def _issued(statements: list[Statement]) -> Statement:
    if not statements:
        raise NoIssuedStatement("this session has no statement yet (it has not finished)")
    current = statements[-1]
    if current.status is not StatementStatus.ISSUED:
        raise NoIssuedStatement(
            f"this session's current statement is {current.status.value}, not issued: "
            "a receipt is issued only for an issued statement"
        )
    return current


def _visible(operator_id: str, scope: str | None) -> None:
    """Another operator's details are answered as if they did not exist."""
    if scope is not None and operator_id != scope:
        raise NotFound(f"no operator {operator_id!r}")


def _checked(details: Registration) -> OperatorDetails:
    """The details with the number read; InvalidInput naming the first field that is wrong."""
    try:
        parsed = RegistrationNumber.parse(details.registration_number, corporate=details.corporate)
    except InvalidRegistrationNumber as exc:
        raise InvalidInput(f"registration_number: {exc}") from exc
    name = details.legal_name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(f"legal_name: 1-{NAME_MAX} characters (登録事業者の氏名又は名称)")
    for field, value, limit in (
        ("address", details.address, ADDRESS_MAX),
        ("phone", details.phone, PHONE_MAX),
    ):
        if value is not None and len(value) > limit:
            raise InvalidInput(f"{field}: at most {limit} characters")
    return OperatorDetails(
        operator_id=details.operator_id,
        legal_name=name,
        registration_number=parsed,
        corporate=details.corporate,
        address=details.address or None,
        phone=details.phone or None,
    )
