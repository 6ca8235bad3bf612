"""Logging (structlog) and every Prometheus metric of the central system (style.md §10).

Metrics carry no station id, token or session id as labels: those are unbounded and
belong in logs. Every name has the ``csms_`` prefix.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Final, TextIO

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

REGISTRY: Final = CollectorRegistry(auto_describe=True)


def _counter(name: str, documentation: str, *labels: str) -> Counter:
    return Counter(name, documentation, labels, registry=REGISTRY)


def _gauge(name: str, documentation: str, *labels: str) -> Gauge:
    return Gauge(name, documentation, labels, registry=REGISTRY)


def _histogram(
    name: str, documentation: str, *labels: str, buckets: tuple[float, ...]
) -> Histogram:
    return Histogram(name, documentation, labels, buckets=buckets, registry=REGISTRY)


OCPP_MESSAGES: Final = _counter(
    "csms_ocpp_messages_total",
    "OCPP messages handled, by protocol version, action and outcome.",
    "version",
    "action",
    "outcome",
)
OCPP_MESSAGE_DURATION: Final = _histogram(
    "csms_ocpp_message_duration_seconds",
    "Time from receiving an OCPP Call to sending its answer.",
    "version",
    "action",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
OCPP_CALLS_SENT: Final = _counter(
    "csms_ocpp_calls_sent_total",
    "Calls the central system sent to stations, by version, action and outcome.",
    "version",
    "action",
    "outcome",
)
CONNECTED_STATIONS: Final = _gauge(
    "csms_connected_stations",
    "Stations with an open OCPP websocket, by protocol version.",
    "version",
)
HANDSHAKES_REFUSED: Final = _counter(
    "csms_handshakes_refused_total", "Websocket handshakes refused, by reason.", "reason"
)
SESSIONS_STARTED: Final = _counter("csms_sessions_started_total", "Charging sessions opened.")
SESSIONS_ENDED: Final = _counter("csms_sessions_ended_total", "Charging sessions completed.")
SEQ_NO_REUSED: Final = _counter(
    "csms_transaction_seq_no_reused_total",
    "2.0.1 TransactionEvents whose seqNo another event of the transaction had (kept, flagged).",
)
SESSIONS_ENDED_OTHERWISE: Final = _counter(
    "csms_sessions_ended_otherwise_total",
    "Sessions the station did not end: superseded, interrupted, closed_by_operator.",
    "kind",
)
STALE_SESSIONS: Final = _gauge(
    "csms_stale_sessions",
    "Active sessions with no message for stale_session_after_s (refreshed periodically).",
)
STATEMENTS_ISSUED: Final = _counter(
    "csms_statements_total",
    "Statements stored for finished sessions, by status (issued, unpriced or needs_review).",
    "status",
)
SESSIONS_UNPRICED: Final = _counter(
    "csms_sessions_unpriced_total",
    "Finished sessions that could not be priced, by reason code.",
    "reason",
)
SITE_POWER: Final = _gauge(
    "csms_site_power_watts",
    "Power sharing per site at its last recomputation: granted and measured power (W).",
    "site",
    "kind",
)
SITE_INTERVAL_DEMAND: Final = _gauge(
    "csms_site_interval_demand_kw",
    "The current 30-minute interval's demand so far per site (kW; contracted demand guard).",
    "site",
)
CHARGING_PROFILES_IGNORED: Final = _counter(
    "csms_charging_profiles_ignored_total",
    "Charging profiles a station Accepted but did not apply (it drew clearly more).",
)
RESERVATIONS: Final = _counter(
    "csms_reservations_total",
    "Reservations reaching a status (scheduled, active, used, cancelled, no_show, ...).",
    "status",
)
INVOICES_ISSUED: Final = _counter(
    "csms_invoices_issued_total",
    "Contracts' monthly invoices issued, by kind (original or correction).",
    "kind",
)
PAYMENTS: Final = _counter(
    "csms_payments_total",
    "Invoice payments reaching a state (open, paid, failed, expired, cancelled, carried_over).",
    "state",
)
STATEMENTS_HELD: Final = _counter(
    "csms_statements_held_total",
    "Statements held for review (no total until resolved), by review reason code.",
    "reason",
)
SIGNED_RECORDS: Final = _counter(
    "csms_signed_records_total",
    "Signed meter records received, by outcome (parsed or malformed).",
    "outcome",
)
METER_VERIFICATION_FAILURES: Final = _counter(
    "csms_meter_verification_failures_total",
    "Sessions on a signed billing meter whose records did not verify, by reason code.",
    "reason",
)
GROUP_COMMIT_SKIPPED: Final = _counter(
    "csms_group_commit_skipped_total",
    "Messages a group-commit writer did not store (they took the full path), by writer.",
    "writer",
)
GROUP_COMMIT_ITEMS: Final = _histogram(
    "csms_group_commit_items",
    "Messages written by one group-commit statement, by writer.",
    "writer",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)

DATABASE_UP: Final = _gauge(
    "csms_database_up", "1 while the database answers, 0 during an outage (OCPP paused)."
)
DATABASE_OUTAGES: Final = _counter(
    "csms_database_outages_total", "Database outages seen (each pauses OCPP until it is back)."
)
DATABASE_RESTARTS: Final = _counter(
    "csms_database_restarts_total",
    "Attempts to restart the embedded PostgreSQL after it died, by outcome.",
    "outcome",
)

_NODE: dict[str, str] = {}  # {"node_id": ...} once the central system knows its node


def name_node(node_id: str) -> None:
    """Every later log line carries ``node_id`` (several nodes log to one place)."""
    _NODE["node_id"] = node_id


def _add_node(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    if _NODE:
        event_dict.setdefault("node_id", _NODE["node_id"])
    return event_dict


class _NodeLabelled(Collector):
    """``registry``'s metrics, each sample labelled with the node (docs/cluster.md)."""

    def __init__(self, registry: CollectorRegistry, node_id: str) -> None:
        self._registry = registry
        self._node_id = node_id

    def collect(self) -> Iterable[Metric]:
        for metric in self._registry.collect():
            labelled = Metric(metric.name, metric.documentation, metric.type, metric.unit)
            labelled.samples = [
                sample._replace(labels={**sample.labels, "node_id": self._node_id})
                for sample in metric.samples
            ]
            yield labelled


def node_registry(node_id: str, registry: CollectorRegistry = REGISTRY) -> CollectorRegistry:
    """What ``/metrics`` exposes: ``registry`` with the node's id on every sample."""
    exposed = CollectorRegistry(auto_describe=False)
    exposed.register(_NodeLabelled(registry, node_id))
    return exposed


_NOISY_LOGGERS: Final = ("ocpp", "websockets", "asyncio", "uvicorn.access", "httpx")


def configure_logging(
    *, fmt: str = "auto", level: str = "info", stream: TextIO | None = None
) -> None:
    """Configure structlog and the stdlib root logger (to ``stream``, default stdout) once.

    ``fmt`` is ``json``, ``console`` or ``auto`` (JSON unless stdout is a terminal). The
    ``ocpp`` library logs every raw frame at INFO, tokens included: quiet it."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_node,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
