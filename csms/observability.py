"""Logging (structlog) and every Prometheus metric of the central system (style.md §10).

Metrics carry no station id, token or session id as labels: those are unbounded and
belong in logs. Every name has the ``csms_`` prefix.
"""

from __future__ import annotations

import logging
import sys
from typing import Final

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY: Final = CollectorRegistry(auto_describe=True)

OCPP_MESSAGES: Final = Counter(
    "csms_ocpp_messages_total",
    "OCPP messages handled, by protocol version, action and outcome.",
    ["version", "action", "outcome"],
    registry=REGISTRY,
)
OCPP_MESSAGE_DURATION: Final = Histogram(
    "csms_ocpp_message_duration_seconds",
    "Time from receiving an OCPP Call to sending its answer.",
    ["version", "action"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
OCPP_CALLS_SENT: Final = Counter(
    "csms_ocpp_calls_sent_total",
    "Calls the central system sent to stations, by version, action and outcome.",
    ["version", "action", "outcome"],
    registry=REGISTRY,
)
CONNECTED_STATIONS: Final = Gauge(
    "csms_connected_stations",
    "Stations with an open OCPP websocket, by protocol version.",
    ["version"],
    registry=REGISTRY,
)
HANDSHAKES_REFUSED: Final = Counter(
    "csms_handshakes_refused_total",
    "Websocket handshakes refused, by reason.",
    ["reason"],
    registry=REGISTRY,
)
SESSIONS_STARTED: Final = Counter(
    "csms_sessions_started_total",
    "Charging sessions opened.",
    registry=REGISTRY,
)
SESSIONS_ENDED: Final = Counter(
    "csms_sessions_ended_total",
    "Charging sessions completed.",
    registry=REGISTRY,
)

STATEMENTS_ISSUED: Final = Counter(
    "csms_statements_total",
    "Statements stored for finished sessions, by status (issued, unpriced or needs_review).",
    ["status"],
    registry=REGISTRY,
)
SESSIONS_UNPRICED: Final = Counter(
    "csms_sessions_unpriced_total",
    "Finished sessions that could not be priced, by reason code.",
    ["reason"],
    registry=REGISTRY,
)

STATEMENTS_HELD: Final = Counter(
    "csms_statements_held_total",
    "Statements held for review (no total until resolved), by review reason code.",
    ["reason"],
    registry=REGISTRY,
)

SIGNED_RECORDS: Final = Counter(
    "csms_signed_records_total",
    "Signed meter records received, by outcome (parsed or malformed).",
    ["outcome"],
    registry=REGISTRY,
)
METER_VERIFICATION_FAILURES: Final = Counter(
    "csms_meter_verification_failures_total",
    "Sessions on a signed billing meter whose records did not verify, by reason code.",
    ["reason"],
    registry=REGISTRY,
)

_NOISY_LOGGERS: Final = ("ocpp", "websockets", "asyncio", "uvicorn.access")


def configure_logging(*, fmt: str = "auto", level: str = "info") -> None:
    """Configure structlog and the stdlib root logger once.

    ``fmt`` is ``json``, ``console`` or ``auto`` (JSON unless stdout is a terminal).
    The ``ocpp`` library logs every raw frame at INFO, tokens included: quiet it.
    """
    as_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
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
