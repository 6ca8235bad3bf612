"""Monthly contracts (seed 003 Charge Club, 001): ``POST /api/contracts`` (201 created / 200
changed), ``GET /api/contracts?place_id=``, ``GET /api/contracts/{id}`` (with its term and
readings), ``POST /api/contracts/{id}/termination {"terminated_on", "handed_back_on"?}``,
``PUT /api/contracts/{id}/readings/{month} {"opening_kwh", "closing_kwh"}``,
``POST /api/contracts/{id}/readings/{month}/from-charger`` and
``POST /api/contract-readings {"csv": "contract_id,month,opening_kwh,closing_kwh\\n..."}``.
Readings are decimal strings (or integers) of kWh, as read."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.parsing import read_body
from csms.api.policy import scope_of
from csms.api.responses import reply
from csms.billing.pricer import JST
from csms.contracts.models import Contract, ContractMeter, MonthlyReading
from csms.contracts.service import reading_of
from csms.contracts.terms import current_term_end, renews, term_end

if TYPE_CHECKING:
    from csms.clock import Clock
    from csms.contracts.service import ContractService

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class MeterIn(BaseModel):
    serial: Annotated[str, Field(min_length=1, max_length=64)]
    maker: Annotated[str, Field(min_length=1, max_length=100)]
    model: Annotated[str, Field(min_length=1, max_length=100)]
    year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    parent_meter: bool = False


class ContractIn(BaseModel):
    contract_id: Id
    operator_id: Id | None = None
    customer_id: Id
    customer_name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(max_length=200)] | None = None
    place_id: Id
    parking_space: Annotated[str, Field(max_length=64)] | None = None
    plan_id: Id
    start_date: date
    station_id: Id | None = None
    evse_id: Annotated[int, Field(ge=1)] | None = None
    meter: MeterIn | None = None
    no_renewal_notice_on: date | None = None


class Termination(BaseModel):
    terminated_on: date
    handed_back_on: date | None = None


class CsvIn(BaseModel):
    csv: Annotated[str, Field(max_length=2 * 1024 * 1024)]


class ReadingIn(BaseModel):
    opening_kwh: str | int
    closing_kwh: str | int


class ContractOut(BaseModel):
    contract: dict[str, Any]
    status: str
    first_term_ends_on: date
    term_ends_on: date
    renews: bool


def _out(contract: Contract, today: date) -> ContractOut:
    body = dataclasses.asdict(contract)  # the meter as a dict too
    return ContractOut(
        contract=body,
        status=contract.status.value,
        first_term_ends_on=term_end(contract.start_date),
        term_ends_on=current_term_end(contract, today),
        renews=renews(contract, today),
    )


class ContractsResource:
    def __init__(self, contracts: ContractService, clock: Clock) -> None:
        self._contracts = contracts
        self._clock = clock

    def routes(self) -> list[Route]:
        one = "/api/contracts/{contract_id}"
        return [
            Route("/api/contracts", guarded(self.save), methods=["POST"]),
            Route("/api/contracts", guarded(self.search), methods=["GET"]),
            Route(one, guarded(self.get), methods=["GET"]),
            Route(f"{one}/termination", guarded(self.terminate), methods=["POST"]),
            Route(f"{one}/readings/{{month}}", guarded(self.reading), methods=["PUT"]),
            Route(
                f"{one}/readings/{{month}}/from-charger",
                guarded(self.from_charger),
                methods=["POST"],
            ),
            Route("/api/contract-readings", guarded(self.import_csv), methods=["POST"]),
        ]

    def _today(self) -> date:
        return self._clock.now().astimezone(JST).date()

    async def save(self, request: Request) -> Response:
        body = await read_body(request, ContractIn)
        meter = ContractMeter(**body.meter.model_dump()) if body.meter else None
        contract = Contract(**(body.model_dump(exclude={"meter"}) | {"meter": meter}))
        created = await self._contracts.save(contract, scope_of(request))
        found = await self._contracts.get(contract.contract_id, scope_of(request))
        return reply(_out(found, self._today()), 201 if created else 200)

    async def search(self, request: Request) -> Response:
        found = await self._contracts.search(
            request.query_params.get("place_id"), scope_of(request)
        )
        today = self._today()
        return reply(_List(contracts=[_out(c, today) for c in found]))

    async def get(self, request: Request) -> Response:
        found = await self._contracts.get(request.path_params["contract_id"], scope_of(request))
        return reply(_out(found, self._today()))

    async def terminate(self, request: Request) -> Response:
        body = await read_body(request, Termination)
        ended = await self._contracts.terminate(
            request.path_params["contract_id"],
            body.terminated_on,
            body.handed_back_on,
            scope_of(request),
        )
        return reply(_out(ended, self._today()))

    async def reading(self, request: Request) -> Response:
        body = await read_body(request, ReadingIn)
        wanted = reading_of(
            request.path_params["contract_id"],
            request.path_params["month"],
            str(body.opening_kwh),
            str(body.closing_kwh),
            "api",
        )
        saved = await self._contracts.record_reading(wanted, scope_of(request))
        return reply(_reading(saved))

    async def from_charger(self, request: Request) -> Response:
        saved = await self._contracts.reading_from_charger(
            request.path_params["contract_id"], request.path_params["month"], scope_of(request)
        )
        return reply(_reading(saved), 201)

    async def import_csv(self, request: Request) -> Response:
        """The CSV travels in a JSON body (``{"csv": "..."}``): the API takes JSON only."""
        body = await read_body(request, CsvIn)
        count = await self._contracts.import_readings(body.csv, scope_of(request))
        return reply(_Imported(imported=count), 201)


class _List(BaseModel):
    contracts: list[ContractOut]


class _Reading(BaseModel):
    contract_id: str
    month: str
    opening_kwh: str
    closing_kwh: str
    source: str


def _reading(reading: MonthlyReading) -> _Reading:
    return _Reading(**{k: str(v) for k, v in dataclasses.asdict(reading).items()})


class _Imported(BaseModel):
    imported: int
