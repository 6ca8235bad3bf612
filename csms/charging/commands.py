"""Commands into charging and their results, in version-neutral terms (style.md §4).

One transaction event stream serves both protocol versions: 1.6 StartTransaction is a
``started`` event whose transaction id the central system issues, StopTransaction an
``ended`` one; 2.0.1 TransactionEvent maps one to one. What a version does not say stays
None (no invented EVSE, connector or counter).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from csms.authorization.models import AuthorizationResult, IdToken
from csms.charging.models import Session
from csms.records import frozen
from csms.settlement.models import MeterSample


class TransactionEventKind(enum.StrEnum):
    STARTED = "Started"
    UPDATED = "Updated"
    ENDED = "Ended"


@frozen
class RecordTransactionEvent:
    """One fact of a station's transaction (OCPP 1.6 §4.8/§4.10, 2.0.1 E01-E15).

    ``transaction_id`` None: the central system issues it (1.6). ``seq_no`` is the station's
    event counter where the protocol has one. ``trigger`` is why the station sent it, kept as
    said. ``meter_start_wh``/``meter_stop_wh`` are registers the station states outright;
    otherwise they are read from ``samples``. ``station_issues_id``: the station names its
    transactions (2.0.1 E01); a 1.6 station uses the ids we issue (§4.8), so a 1.6 stop for
    an id we never issued cannot make a session (it is kept for reconciliation).
    """

    station_id: str
    ocpp_version: str
    kind: TransactionEventKind
    transaction_id: str | None
    timestamp: datetime
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: IdToken | None = None
    seq_no: int | None = None
    trigger: str | None = None
    offline: bool = False
    meter_start_wh: Decimal | None = None
    meter_stop_wh: Decimal | None = None
    stop_reason: str | None = None
    samples: tuple[MeterSample, ...] = ()
    remote_start_id: int | None = None
    station_issues_id: bool = False
    reservation_id: int | None = None  # the reservation this transaction uses (1.6, 2.0.1)


@frozen
class TransactionEventRecorded:
    """``replayed``: the event was seen before and changed nothing; ``unmatched``: it ended a
    transaction we never saw start (kept for reconciliation)."""

    transaction_id: str | None
    authorization: AuthorizationResult | None
    replayed: bool
    session: Session | None
    total_cost: Decimal | None = None  # the issued statement's total, on an ended event
    unmatched: bool = False


@frozen
class RecordMeterValues:
    station_id: str
    evse_id: int
    transaction_id: str | None
    samples: tuple[MeterSample, ...]
