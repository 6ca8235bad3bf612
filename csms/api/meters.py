"""Billing meters (specified metering): the register, a meter's entry, its public key.

The key (DER SubjectPublicKeyInfo or a raw point, hex) checks the meter's OCMF signatures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import answers_errors, guarded
from csms.api.parsing import (
    Moment,
    OptionalCount,
    OptionalText,
    RequestBody,
    Text,
    Truthy,
    read_body,
)
from csms.api.responses import reply
from csms.settlement.models import MeterRecord

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService


class MeterChange(RequestBody):
    serial: Text
    maker: Text
    model: Text
    year: OptionalCount = None
    accuracy_class: OptionalText = None  # e.g. n3
    public_key: OptionalText = None
    station_id: OptionalText = None
    evse_id: OptionalCount = None  # 1.6 connector
    site: OptionalText = None
    location_note: OptionalText = None
    signs_ocmf: Truthy = True
    valid_from: Moment = None
    valid_to: Moment = None

    def meter(self) -> MeterRecord:
        return MeterRecord(**self.model_dump())


class KeyChange(RequestBody):
    public_key: Text


class MeterList(BaseModel):
    meters: list[MeterRecord]


class MeterSaved(BaseModel):
    serial: str


class KeyRegistered(BaseModel):
    serial: str
    key: Literal["registered"] = "registered"


class MetersResource:
    def __init__(self, read_model: ReadModel, admin: AdminService) -> None:
        self._read_model = read_model
        self._admin = admin

    def routes(self) -> list[Route]:
        return [
            Route("/api/meters", answers_errors(self.list), methods=["GET"]),
            Route("/api/meters", guarded(self.save), methods=["POST"]),
            Route("/api/meters/{serial}/key", guarded(self.set_key), methods=["PUT"]),
        ]

    async def list(self, request: Request) -> Response:
        return reply(MeterList(meters=await self._read_model.list_meters()))

    async def save(self, request: Request) -> Response:
        meter = (await read_body(request, MeterChange)).meter()
        await self._admin.set_meter(meter)
        return reply(MeterSaved(serial=meter.serial), 201)

    async def set_key(self, request: Request) -> Response:
        body = await read_body(request, KeyChange)
        serial = request.path_params["serial"]
        await self._admin.set_meter_key(serial, body.public_key)
        return reply(KeyRegistered(serial=serial))
