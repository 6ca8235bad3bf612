"""Tariffs as operator-managed data: the price lists, their assignments and quotes.

``GET /api/tariffs``, ``GET /api/tariffs/{tariff_id}``, ``POST /api/tariffs`` (a tariff
document as ``config/tariffs/*.json`` holds it: new versions 201, else 200; a changed
version a statement used 409), ``GET /api/tariff-assignments`` (classes and sites),
``GET|PUT /api/stations/{station_id}/tariff``,
``PUT /api/stations/{station_id}/evses/{evse_id}/tariff``, ``PUT /api/sites/{site}/tariff``,
``PUT /api/charger-classes/{charger_class}/tariff`` and ``POST /api/quote``. Price lists are
public terms: every key reads them; only an admin creates tariffs and assigns sites and
classes; an operator assigns its own stations (another operator's is 404). A quote is a
POST, so admin and operator keys may ask for one (a viewer changes nothing, not even that).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import BadRequest, guarded
from csms.api.parsing import (
    ID_MAX,
    Moment,
    OptionalCount,
    OptionalIdentifier,
    OptionalText,
    RequestBody,
    checked_text,
    read_body,
)
from csms.api.policy import scope_of
from csms.api.responses import error, reply
from csms.billing.money import exact
from csms.billing.pricer import NoTariffInForce, quote_as_dict
from csms.settlement.tariff_admin import StoredTariff
from csms.settlement.tariff_documents import tariff_document
from csms.settlement.tariffs import Resolution

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel
    from csms.settlement.tariff_admin import TariffBook

MAX_ENERGY_WH = Decimal(10**12)


def _energy(value: object) -> Decimal:
    try:
        energy = exact(value, "energy_wh")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"energy_wh must be a decimal string ({exc})") from None
    exponent = energy.as_tuple().exponent
    if not 0 <= energy <= MAX_ENERGY_WH or (isinstance(exponent, int) and exponent < -6):
        raise ValueError("energy_wh must be from 0 to 10^12 Wh with at most 6 decimals")
    return energy


class StationTariffChange(RequestBody):
    tariff_id: OptionalIdentifier = None
    site: OptionalIdentifier = None
    charger_class: OptionalIdentifier = None


class TariffChange(RequestBody):
    tariff_id: OptionalIdentifier = None


class SiteTariffChange(RequestBody):
    tariff_id: OptionalIdentifier = None
    name: OptionalText = None


class QuoteRequest(RequestBody):
    tariff_id: OptionalIdentifier = None
    station_id: OptionalIdentifier = None
    evse_id: OptionalCount = None
    start: Moment
    stop: Moment
    energy_wh: Annotated[Decimal, BeforeValidator(_energy)]


class Answer(BaseModel):
    """A JSON object answer whose content the core built."""

    model_config = {"extra": "allow"}


def _tariff(stored: StoredTariff) -> dict[str, Any]:
    document = tariff_document(stored.tariff)
    for version in document["versions"]:
        version["used_by_statements"] = version["version"] in stored.used_versions
    return document


def _applies(found: Resolution | None) -> dict[str, Any] | None:
    return None if found is None else {"tariff_id": found.tariff_id, "level": found.level}


async def _document(request: Request) -> Any:
    """The body as JSON with decimals read exactly (``8.8`` is ``Decimal("8.8")``)."""
    try:
        return json.loads(await request.body(), parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("bad request: the body is not JSON") from exc


class TariffsResource:
    def __init__(self, book: TariffBook, read_model: ReadModel) -> None:
        self._book = book
        self._read_model = read_model

    def routes(self) -> list[Route]:
        station = "/api/stations/{station_id}"
        evse = station + "/evses/{evse_id}"
        return [
            Route("/api/tariffs", guarded(self.list), methods=["GET"]),
            Route("/api/tariffs", guarded(self.save), methods=["POST"]),
            Route("/api/tariffs/{tariff_id}", guarded(self.get), methods=["GET"]),
            Route("/api/tariff-assignments", guarded(self.assignments), methods=["GET"]),
            Route(f"{station}/tariff", guarded(self.station), methods=["GET"]),
            Route(f"{station}/tariff", guarded(self.assign_station), methods=["PUT"]),
            Route(f"{evse}/tariff", guarded(self.assign_evse), methods=["PUT"]),
            Route("/api/sites/{site}/tariff", guarded(self.assign_site), methods=["PUT"]),
            Route(
                "/api/charger-classes/{charger_class}/tariff",
                guarded(self.assign_class),
                methods=["PUT"],
            ),
            Route("/api/quote", guarded(self.quote), methods=["POST"]),
        ]

    async def list(self, request: Request) -> Response:
        tariffs = [_tariff(stored) for stored in await self._book.tariffs()]
        return reply(Answer(tariffs=tariffs))

    async def get(self, request: Request) -> Response:
        return reply(Answer(**_tariff(await self._book.tariff(request.path_params["tariff_id"]))))

    async def save(self, request: Request) -> Response:
        saved = await self._book.save(await _document(request))
        stored = await self._book.tariff(saved.tariff_id)
        answer = Answer(
            tariff_id=saved.tariff_id,
            created=list(saved.created),
            replaced=list(saved.replaced),
            unchanged=list(saved.unchanged),
            closed=list(saved.closed),
            tariff=_tariff(stored),
        )
        return reply(answer, 201 if saved.new_tariff or saved.created else 200)

    async def assignments(self, request: Request) -> Response:
        catalog = self._book.catalog
        sites = [
            {"site": site.site, "name": site.name, "tariff_id": site.tariff_id}
            for site in await self._book.sites()
        ]
        classes = dict(catalog.class_tariffs)
        return reply(Answer(classes=classes, sites=sites, default_class=catalog.default_class))

    async def _own_station(self, request: Request) -> str | None:
        """The path's station if the caller's operator may see it, else None (404)."""
        station_id = str(request.path_params["station_id"])
        if await self._read_model.station(station_id, scope_of(request)) is None:
            return None
        return station_id

    async def station(self, request: Request) -> Response:
        station_id = await self._own_station(request)
        if station_id is None:
            return error(404, "no such station")
        return reply(Answer(**await self._station_answer(station_id)))

    async def _station_answer(self, station_id: str) -> dict[str, Any]:
        assignment = await self._book.station(station_id)
        catalog = self._book.catalog
        evses = {str(k): v for k, v in sorted(assignment.connector_tariffs.items())}
        return {
            "station_id": station_id,
            "tariff_id": assignment.tariff_id,
            "site": assignment.site,
            "charger_class": assignment.charger_class,
            "evses": evses,
            "applies": _applies(catalog.explain(station_id, None)),
            "applies_per_evse": {
                key: _applies(catalog.explain(station_id, int(key))) for key in evses
            },
        }

    async def assign_station(self, request: Request) -> Response:
        station_id = await self._own_station(request)
        if station_id is None:
            return error(404, "no such station")
        body = await read_body(request, StationTariffChange)
        await self._book.assign_station(station_id, body.tariff_id, body.site, body.charger_class)
        return reply(Answer(**await self._station_answer(station_id)))

    async def assign_evse(self, request: Request) -> Response:
        station_id = await self._own_station(request)
        if station_id is None:
            return error(404, "no such station")
        evse = str(request.path_params["evse_id"])
        if not evse.isascii() or not evse.isdigit() or int(evse) > 2**31 - 1:
            raise BadRequest("bad request: evse_id must be a non-negative integer")
        body = await read_body(request, TariffChange)
        await self._book.assign_evse(station_id, int(evse), body.tariff_id)
        return reply(Answer(**await self._station_answer(station_id)))

    async def assign_site(self, request: Request) -> Response:
        try:
            site = checked_text(str(request.path_params["site"]), "site", ID_MAX)
        except ValueError as exc:
            raise BadRequest(f"bad request: {exc}") from exc
        body = await read_body(request, SiteTariffChange)
        await self._book.assign_site(site, body.tariff_id, body.name)
        return reply(Answer(site=site, tariff_id=body.tariff_id))

    async def assign_class(self, request: Request) -> Response:
        klass = str(request.path_params["charger_class"])
        body = await read_body(request, TariffChange)
        await self._book.assign_class(klass, body.tariff_id)
        return reply(Answer(charger_class=klass, tariff_id=body.tariff_id))

    async def quote(self, request: Request) -> Response:
        body = await read_body(request, QuoteRequest)
        if body.start is None or body.stop is None:
            missing = "start" if body.start is None else "stop"
            raise BadRequest(f"bad request: {missing} is required")
        where = None
        if body.tariff_id is None and body.station_id is not None:
            if await self._read_model.station(body.station_id, scope_of(request)) is None:
                return error(404, "no such station")
            where = (body.station_id, body.evse_id)
        try:
            quote = await self._book.quote(
                body.tariff_id, where, (body.start, body.stop), body.energy_wh
            )
        except NoTariffInForce as exc:
            return error(422, f"start: {exc}")
        except ArithmeticError as exc:
            raise BadRequest(f"bad request: the quote cannot be computed ({exc!r})") from exc
        return reply(Answer(**quote_as_dict(quote)))
