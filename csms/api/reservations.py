"""Reservations (seed 002 第10-12条): book, read, cancel, change the end; a station's
reservation policy; lifting an account's suspension.

``POST /api/reservations`` answers 201 with the reservation (``ocpp_reservation_id`` is the
integer on the wire; ``status`` scheduled, or active when its window opened now and the
station accepted); a station that refuses a window opening now answers 409 with its status
and the reservation is kept ``not_honoured``. Overlaps on one EVSE and stations that are not
reservable are 409. A member's app (its app token) books and cancels its own reservations
only; an operator's key those of its operator's stations. Fees are tax-included yen, as
strings or integers (never floats).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.access.models import Role
from csms.api.error_status import BadRequest, guarded
from csms.api.parsing import (
    read_body,
    read_query,
)
from csms.api.policy import principal_of, scope_of
from csms.api.reservation_models import (
    EndChange,
    PolicyChange,
    PolicyOut,
    ReservationFilter,
    ReservationList,
    ReservationOut,
    ReservationRequest,
    SuspensionLifted,
)
from csms.api.responses import ExactJSONResponse, error, reply
from csms.api.route_models import describe
from csms.api.statements import StatementBody
from csms.reservations.models import (
    NewReservation,
    ReservationPolicy,
)
from csms.reservations.ports import ReservationQuery
from csms.reservations.service import ReservationRefused

if TYPE_CHECKING:
    from csms.reservations.service import ReservationService


def _member(request: Request) -> str | None:
    """The account of a member's app; None for an operator's key."""
    principal = principal_of(request)
    return principal.account_id if principal.role is Role.MEMBER else None


def _reservation_id(request: Request) -> UUID:
    try:
        return UUID(request.path_params["reservation_id"])
    except ValueError:
        raise BadRequest("reservation id is not a UUID") from None


class ReservationsResource:
    def __init__(self, reservations: ReservationService) -> None:
        self._reservations = reservations

    def routes(self) -> list[Route]:
        one = "/api/reservations/{reservation_id}"
        policy = "/api/stations/{station_id}/reservations-policy"
        return [
            Route("/api/reservations", guarded(self.reserve), methods=["POST"]),
            Route("/api/reservations", guarded(self.search), methods=["GET"]),
            Route(one, guarded(self.get), methods=["GET"]),
            Route(one, guarded(self.cancel), methods=["DELETE"]),
            Route(one, guarded(self.change_end), methods=["PATCH"]),
            Route(f"{one}/statement", guarded(self.statement), methods=["GET"]),
            Route(policy, guarded(self.set_policy), methods=["PUT"]),
            Route(policy, guarded(self.policy), methods=["GET"]),
            Route(
                "/api/accounts/{account_id}/reservation-suspension",
                guarded(self.lift),
                methods=["DELETE"],
            ),
        ]

    @describe(
        body=ReservationRequest,
        answer=ReservationOut,
        status=201,
        errors=("conflict", "not_honoured"),
    )
    async def reserve(self, request: Request) -> Response:
        body = await read_body(request, ReservationRequest)
        if body.start is None or body.end is None:
            raise BadRequest("bad request: start and end are required (ISO 8601 with offset)")
        wanted = NewReservation(
            body.station_id,
            body.start,
            body.end,
            body.evse_id or None,  # 0: any EVSE (1.6 connector 0), as no EVSE
            body.connector_type,
            body.id_token,
            body.account_id,
        )
        try:
            made = await self._reservations.reserve(wanted, scope_of(request), _member(request))
        except ReservationRefused as refused:
            answer: dict[str, Any] = {
                "error": str(refused),
                "code": "not_honoured",
                "station_status": refused.status,
                "reservation": ReservationOut.of(refused.reservation).model_dump(),
            }
            return ExactJSONResponse(answer, status_code=409)
        return reply(ReservationOut.of(made), 201)

    @describe(query=ReservationFilter, answer=ReservationList)
    async def search(self, request: Request) -> Response:
        wanted = read_query(request, ReservationFilter)
        query = ReservationQuery(wanted.station_id, wanted.account_id, wanted.status, wanted.limit)
        found = await self._reservations.search(query, scope_of(request), _member(request))
        return reply(ReservationList(reservations=[ReservationOut.of(r) for r in found]))

    @describe(answer=ReservationOut, errors=("no_such_reservation",))
    async def get(self, request: Request) -> Response:
        found = await self._reservations.get(
            _reservation_id(request), scope_of(request), _member(request)
        )
        return reply(ReservationOut.of(found))

    @describe(answer=StatementBody, errors=("no_statement",))
    async def statement(self, request: Request) -> Response:
        """The reservation's penalty statement (a no-show, 第11条); 404 when it has none."""
        found = await self._reservations.statements(
            _reservation_id(request), scope_of(request), _member(request)
        )
        if not found:
            return error(404, "this reservation has no statement (no fee)", "no_statement")
        return reply(StatementBody(found[-1]))

    @describe(answer=ReservationOut, errors=("conflict",))
    async def cancel(self, request: Request) -> Response:
        ended = await self._reservations.cancel(
            _reservation_id(request), scope_of(request), _member(request)
        )
        return reply(ReservationOut.of(ended))

    @describe(body=EndChange, answer=ReservationOut, errors=("conflict",))
    async def change_end(self, request: Request) -> Response:
        body = await read_body(request, EndChange)
        if body.end is None:
            raise BadRequest("bad request: end is required (ISO 8601 with offset)")
        changed = await self._reservations.change_end(
            _reservation_id(request), body.end, scope_of(request), _member(request)
        )
        return reply(ReservationOut.of(changed))

    @describe(body=PolicyChange, answer=PolicyOut)
    async def set_policy(self, request: Request) -> Response:
        body = await read_body(request, PolicyChange)
        policy = ReservationPolicy(
            request.path_params["station_id"],
            body.reservable,
            tuple(body.evse_ids) if body.evse_ids is not None else None,
            body.slot_minutes,
            body.max_slots,
            body.max_days_ahead,
            body.opens_at,
            body.closes_at,
            body.no_show_fee,
            body.extension_fee_per_minute,
        )
        saved = await self._reservations.set_policy(policy, scope_of(request))
        return reply(PolicyOut.of(saved))

    @describe(answer=PolicyOut)
    async def policy(self, request: Request) -> Response:
        found = await self._reservations.policy(
            request.path_params["station_id"], scope_of(request)
        )
        return reply(PolicyOut.of(found))

    @describe(answer=SuspensionLifted)
    async def lift(self, request: Request) -> Response:
        account_id = request.path_params["account_id"]
        lifted = await self._reservations.lift_suspension(account_id, scope_of(request))
        return reply(SuspensionLifted(account_id=account_id, lifted=lifted))
