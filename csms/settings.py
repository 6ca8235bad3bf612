"""The one validated settings object (style.md §9).

Read once at start-up from ``CSMS_*`` environment variables over an optional TOML
file (``CSMS_CONFIG_FILE``, default: none). Environment wins over the file, command-line
flags win over both. Every key is documented in ``config/README.md``.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from pathlib import Path
from typing import Any, Final, Literal

import platformdirs
from limits import parse as parse_rate
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def default_data_dir() -> Path:
    """Per-user data dir; as root ``/var/lib/csms``, which the unprivileged DB user can reach."""
    if os.geteuid() == 0:
        return Path("/var/lib/csms")
    return Path(platformdirs.user_data_dir("csms"))


def default_node_id() -> str:
    """This machine's name and the process id, as one NATS subject token."""
    host = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:48] or "node"
    return f"{host}-{os.getpid()}"


class Settings(BaseSettings):
    """Every setting of the central system; see ``config/README.md`` for each key."""

    model_config = SettingsConfigDict(env_prefix="CSMS_", frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=9000, ge=0, le=65535)
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    # --- public visitor listener (seed 000 registration page backend) ---
    public_host: str = "127.0.0.1"
    public_port: int = Field(default=8081, ge=0, le=65535)
    public_rate_per_address: str = "10/minute"
    public_rate_per_stand: str = "6/minute"
    public_forwarded_allow_ips: str = ""  # empty: X-Forwarded-For is never trusted
    # --- end public visitor listener ---
    database_url: SecretStr | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    database_pool_size: int = Field(default=20, ge=1, le=100)
    database_check_interval_s: float = Field(default=1.0, gt=0, le=60)
    database_retry_max_s: float = Field(default=30.0, gt=0, le=600)
    dev_mode: bool = False
    api_cors_origins: tuple[str, ...] = ()
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    heartbeat_interval_s: int = Field(default=300, ge=10, le=86400)
    ocpp_max_frame_bytes: int = Field(default=256 * 1024, ge=4096, le=16 * 1024 * 1024)
    ocpp_ping_interval_s: float = Field(default=30.0, ge=0)
    ocpp_ping_timeout_s: float = Field(default=30.0, ge=1)
    ocpp_call_timeout_s: float = Field(default=30.0, gt=0)
    ocpp_command_queue_limit: int = Field(default=8, ge=1, le=1000)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    shutdown_grace_s: float = Field(default=10.0, ge=0)
    tls_port: int | None = Field(default=None, ge=0, le=65535)
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    handshake_failure_limit: int = Field(default=10, ge=1)
    handshake_failure_window_s: float = Field(default=60.0, gt=0)
    handshake_failure_limit_per_address: int = Field(default=100, ge=1)
    boot_deadline_s: float = Field(default=300.0, ge=0)
    group_commit_ms: float = Field(default=2.0, ge=0, le=100)
    gc_young_threshold: int = Field(default=50_000, ge=0)
    presence_flush_s: float = Field(default=5.0, gt=0, le=300)
    boot_accept_per_s: int = Field(default=200, ge=0)
    heartbeat_jitter: float = Field(default=0.1, ge=0, lt=1)
    on_connect_concurrency: int = Field(default=20, ge=1)
    account_inactivity_months: int = Field(default=4, ge=1, le=120)
    # --- reservations (seed 002 第10-12条) ---
    reservation_lead_s: float = Field(default=300.0, ge=0, le=86400)
    reservation_poll_s: float = Field(default=5.0, gt=0, le=300)
    reservation_end_grace_s: float = Field(default=120.0, ge=0, le=3600)
    reservation_suspend_after: int = Field(default=3, ge=0, le=100)
    reservation_suspend_window_days: int = Field(default=30, ge=1, le=3650)
    cost_interval_s: float = Field(default=60.0, ge=0, le=3600)
    smart_charging_interval_s: float = Field(default=15.0, gt=0, le=3600)
    visitor_password_ttl_s: int = Field(default=1800, ge=60, le=7 * 86400)
    outbox_poll_s: float = Field(default=5.0, gt=0)
    stale_session_after_s: int = Field(default=3600, ge=60)
    stale_session_check_s: float = Field(default=60.0, gt=0)
    interrupted_grace_s: float = Field(default=900.0, ge=0)
    # --- monthly contracts' invoices and card payment (seed 003, 001) ---
    plans_dir: Path | None = None  # None: the plans shipped in config/plans
    invoice_poll_s: float = Field(default=60.0, gt=0, le=3600)
    payment_link_day: int = Field(default=15, ge=1, le=20)
    payment_carried_link_day: int = Field(default=10, ge=1, le=20)
    public_url: str = ""  # payment links, QR codes; empty: http://{public_host}:{public_port}
    payment_sandbox_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_hex(32))
    )
    console_session_ttl_s: float = Field(default=8 * 3600, ge=60, le=7 * 86400)
    tariffs_dir: Path | None = None
    tariff_assignments: Path | None = None
    # a station with no class of its own is in this one (``csms serve --demo``: "ac")
    tariff_default_class: Literal["ac", "dc_90kw_and_above", "dc_50kw_and_below"] | None = None
    tariff_refresh_s: float = Field(default=5.0, gt=0)  # how often another process's change is seen
    # --- many nodes (docs/cluster.md); no nats_url: one node, as ever ---
    nats_url: str | None = None
    node_id: str = Field(default_factory=default_node_id, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    cluster_lease_ttl_s: float = Field(default=30.0, ge=3, le=3600)
    cluster_node_ttl_s: float = Field(default=3.0, ge=1.5, le=600)
    cluster_request_timeout_s: float = Field(default=40.0, gt=0, le=120)

    @field_validator("database_url")
    @classmethod
    def _postgres_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// DSN")
        return value

    @field_validator("public_rate_per_address", "public_rate_per_stand")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        """One rate in the ``limits`` notation (``10/minute``), at least one request."""
        try:
            rate = parse_rate(value)
        except ValueError as exc:
            raise ValueError(f"not a rate like '10/minute': {value!r}") from exc
        if rate.amount < 1 or ";" in value or "," in value:
            raise ValueError(f"one rate of at least 1 request, like '10/minute': {value!r}")
        return value

    @model_validator(mode="after")
    def _tls_needs_a_certificate(self) -> Settings:
        if self.tls_port is not None and (self.tls_cert_file is None or self.tls_key_file is None):
            raise ValueError("tls_port needs tls_cert_file and tls_key_file")
        return self

    @property
    def uses_embedded_database(self) -> bool:
        """True when no DSN is given and the embedded PostgreSQL serves the data."""
        return self.database_url is None

    @property
    def auto_register_stations(self) -> bool:
        """Development mode: unknown stations are registered on connect, and stations
        without credentials are accepted. Only when asked for (``dev_mode``, ``--demo``),
        never implied by the embedded database."""
        return self.dev_mode

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("CSMS_CONFIG_FILE")
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise FileNotFoundError(f"CSMS_CONFIG_FILE={config_file} does not exist")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


# Settings renamed since a release: the old environment variable still counts when the new
# one is not set (an operator's CSMS_METER_VALUE_BATCH_MS=0 must not silently stop counting).
RENAMED: Final = {"CSMS_METER_VALUE_BATCH_MS": "group_commit_ms"}


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; ``overrides`` (from CLI flags) win, ``None`` values are ignored."""
    values = {key: value for key, value in overrides.items() if value is not None}
    for old_name, field in RENAMED.items():
        new_name = f"CSMS_{field.upper()}"
        if old_name in os.environ and new_name not in os.environ and field not in values:
            values[field] = os.environ[old_name]
    return Settings(**values)
