"""Billing meters (specified metering): the register, a meter's entry, its public key.

The key (DER SubjectPublicKeyInfo or a raw point, hex) checks the meter's OCMF signatures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.changes import Change, ChangeRoute, ChangesResource, PathParams
from csms.api.error_status import answers_errors
from csms.api.parsing import (
    FreeText,
    Moment,
    OptionalCount,
    OptionalFreeText,
    OptionalIdentifier,
    OptionalText,
    Text,
    Truthy,
)
from csms.api.policy import scope_of
from csms.api.responses import reply
from csms.settlement.models import MeterRecord

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.administration.service import AdminService


class MeterSaved(BaseModel):
    serial: str


class KeyRegistered(BaseModel):
    serial: str
    key: Literal["registered"] = "registered"


class MeterChange(Change):
    serial: Text
    maker: Text
    model: Text
    year: OptionalCount = None
    accuracy_class: OptionalText = None  # e.g. n3
    public_key: OptionalFreeText = None  # hex
    station_id: OptionalIdentifier = None
    evse_id: OptionalCount = None  # 1.6 connector
    site: OptionalText = None
    location_note: OptionalFreeText = None
    signs_ocmf: Truthy = True
    valid_from: Moment = None
    valid_to: Moment = None

    async def save(self, admin: AdminService, path: PathParams, scope: str | None) -> MeterSaved:
        await admin.set_meter(MeterRecord(**self.model_dump()), scope=scope)
        return MeterSaved(serial=self.serial)


class KeyChange(Change):
    public_key: FreeText

    async def save(self, admin: AdminService, path: PathParams, scope: str | None) -> KeyRegistered:
        await admin.set_meter_key(path["serial"], self.public_key, scope=scope)
        return KeyRegistered(serial=path["serial"])


SAVE_METER: Final = ChangeRoute("POST", "/api/meters", MeterChange)
SET_KEY: Final = ChangeRoute("PUT", "/api/meters/{serial}/key", KeyChange, status=200)


class MeterList(BaseModel):
    meters: list[MeterRecord]


class MetersResource(ChangesResource):
    """The register of billing meters: its list, and the changes to it."""

    def __init__(self, read_model: ReadModel, admin: AdminService) -> None:
        super().__init__(admin, SAVE_METER, SET_KEY)
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [Route("/api/meters", answers_errors(self.list), methods=["GET"]), *super().routes()]

    async def list(self, request: Request) -> Response:
        return reply(MeterList(meters=await self._read_model.list_meters(scope_of(request))))
