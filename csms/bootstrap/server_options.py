"""The OCPP server's options, read from the settings."""

from __future__ import annotations

from csms.handlers.handshake import tls_context
from csms.handlers.server import ServerOptions
from csms.settings import Settings


def server_options(settings: Settings) -> ServerOptions:
    """The OCPP listeners' options from the settings (TLS when a TLS port is set)."""
    context = None
    if settings.tls_port is not None:
        context = tls_context(
            str(settings.tls_cert_file),
            str(settings.tls_key_file),
            str(settings.tls_client_ca_file) if settings.tls_client_ca_file else None,
        )
    return ServerOptions(
        host=settings.host,
        port=settings.port,
        max_frame_bytes=settings.ocpp_max_frame_bytes,
        ping_interval_s=settings.ocpp_ping_interval_s,
        ping_timeout_s=settings.ocpp_ping_timeout_s,
        call_timeout_s=settings.ocpp_call_timeout_s,
        shutdown_grace_s=settings.shutdown_grace_s,
        tls_port=settings.tls_port,
        tls_context=context,
        boot_deadline_s=settings.boot_deadline_s,
    )
