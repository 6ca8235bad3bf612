"""``GET /api/statements.csv?from=&to=``: the accountant's export, one row per statement line.

The statements issued from ``from`` (inclusive) to ``to`` (exclusive; ISO 8601 with an
offset; either may be left out), every one of them (a correction and the statement it
corrects alike: ``statement_id`` and ``corrects`` tell them apart), oldest first, within the
key's operator (``operator_id`` narrows an admin's). A row: the session, station and card
(masked for a viewer key as everywhere: first 4 and last 2 characters), start and stop, the
billed energy and where it came from, tariff and version, the line (number, kind, quantity,
unit, unit price, amount), then the statement's total, included tax and currency. A statement
without lines (unpriced, held for review) has no row.

UTF-8 with a byte order mark and CRLF line ends, so that Excel (a Japanese one too) opens it
with the right characters; a text cell starting with ``= + - @`` is prefixed with ``'`` so a
spreadsheet never reads it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.administration.ports import StatementRange
from csms.api.error_status import answers_errors
from csms.api.paging import blank_or_text, query_moment
from csms.api.parsing import ID_MAX, read_query
from csms.api.policy import scope_of
from csms.api.responses import mask_card, masking_cards
from csms.api.route_models import describe
from csms.charging.models import Session
from csms.settlement.models import Statement

if TYPE_CHECKING:
    from csms.administration.ports import ReadModel

HEADER: Final = (
    "session_id",
    "station_id",
    "id_token",
    "started_at",
    "stopped_at",
    "energy_wh",
    "energy_source",
    "tariff_id",
    "tariff_version",
    "line_no",
    "line",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "total",
    "tax_included",
    "currency",
    "status",
    "statement_id",
    "corrects",
    "issued_at",
)
BOM: Final = "\ufeff"
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


class StatementsExportQuery(BaseModel):
    """The query of ``GET /api/statements.csv``."""

    model_config = ConfigDict(populate_by_name=True)

    issued_from: Annotated[datetime | None, query_moment] = Field(
        None, alias="from", description="issued at or after (ISO 8601 with an offset)"
    )
    issued_to: Annotated[datetime | None, query_moment] = Field(
        None, alias="to", description="issued before (ISO 8601 with an offset)"
    )
    operator_id: Annotated[str | None, blank_or_text(ID_MAX)] = Field(
        None, description="only this operator's stations"
    )


def _text(value: object) -> str:
    """A cell: exact decimals and ISO times as text, None empty, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    """Whether a cell is a number (a negative amount is no formula); read as Decimal."""
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def rows(statement: Statement, session: Session, masked: bool) -> Iterator[list[str]]:
    """The statement's lines as rows of ``HEADER``."""
    card = session.id_token
    if masked and card is not None:
        card = mask_card(card)
    inputs = statement.inputs
    for number, line in enumerate(statement.lines, start=1):
        yield [
            _text(value)
            for value in (
                statement.session_id,
                session.station_id,
                card,
                session.started_at,
                session.stopped_at,
                inputs.get("energy_wh"),
                inputs.get("energy_source"),
                statement.tariff_id,
                statement.tariff_version,
                number,
                line.kind,
                line.quantity,
                line.unit,
                line.unit_price,
                line.amount,
                statement.total,
                statement.tax_included,
                statement.currency,
                statement.status.value,
                statement.statement_id,
                statement.corrects,
                statement.issued_at,
            )
        ]


class StatementsExportResource:
    def __init__(self, read_model: ReadModel) -> None:
        self._read_model = read_model

    def routes(self) -> list[Route]:
        return [Route("/api/statements.csv", answers_errors(self.export))]

    @describe(query=StatementsExportQuery, media_type="text/csv", status=200)
    async def export(self, request: Request) -> Response:
        """The statements issued in the range as CSV, one row per line, for the accountant."""
        query = read_query(request, StatementsExportQuery)
        wanted = StatementRange(query.issued_from, query.issued_to, query.operator_id)
        found = await self._read_model.statements_issued(wanted, scope_of(request))
        out = io.StringIO()
        writer = csv.writer(out)  # the excel dialect: CRLF, quoted when needed
        writer.writerow(HEADER)
        masked = masking_cards.get()
        for statement, session in found:
            writer.writerows(rows(statement, session, masked))
        return Response(
            (BOM + out.getvalue()).encode("utf-8", "backslashreplace"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="statements.csv"'},
        )
