"""Every SQL statement of the central system (style.md §7): constants, ``$n`` parameters."""

from __future__ import annotations

from typing import Final

# --- migrations -----------------------------------------------------------------------

MIGRATION_LOCK: Final = "SELECT pg_advisory_xact_lock(726354)"
CREATE_MIGRATIONS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""
SELECT_APPLIED_MIGRATIONS: Final = "SELECT version FROM schema_migrations"
INSERT_MIGRATION: Final = "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"

# --- stations ---------------------------------------------------------------------------

SELECT_STATION: Final = """
SELECT station_id, vendor, model, serial_number, firmware_version, ocpp_version, connected,
       last_seen_at, last_boot_at, created_at, password_hash IS NOT NULL AS has_password,
       security_profile
FROM stations
WHERE station_id = $1"""
INSERT_STATION: Final = """
INSERT INTO stations (station_id, password_hash, security_profile)
VALUES ($1, $2, $3)
ON CONFLICT (station_id) DO NOTHING"""
SELECT_STATION_CREDENTIALS: Final = """
SELECT security_profile, password_hash
FROM stations
WHERE station_id = $1"""
UPDATE_STATION_CREDENTIALS: Final = """
UPDATE stations
SET security_profile = $2, password_hash = $3
WHERE station_id = $1"""
UPDATE_STATION_BOOT: Final = """
UPDATE stations
SET vendor = $2, model = $3, serial_number = $4, firmware_version = $5, ocpp_version = $6,
    last_boot_at = $7, last_seen_at = $7
WHERE station_id = $1"""
UPDATE_STATION_CONNECTED: Final = """
UPDATE stations
SET connected = $2,
    connected_at = CASE WHEN $2 THEN $3 ELSE connected_at END,
    last_seen_at = $3
WHERE station_id = $1"""
UPDATE_STATION_SEEN: Final = "UPDATE stations SET last_seen_at = $2 WHERE station_id = $1"
UPDATE_ALL_STATIONS_DISCONNECTED: Final = "UPDATE stations SET connected = false WHERE connected"
UPSERT_CONNECTOR: Final = """
INSERT INTO connectors (station_id, evse_id, connector_id, status, error_code, status_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE
SET status = excluded.status, error_code = excluded.error_code, status_at = excluded.status_at,
    updated_at = now()
WHERE connectors.status_at <= excluded.status_at"""
INSERT_STATION_EVENT: Final = """
INSERT INTO station_events (station_id, kind, occurred_at, payload)
VALUES ($1, $2, $3, $4)"""
SELECT_STATIONS: Final = """
SELECT station_id, vendor, model, serial_number, firmware_version, ocpp_version, connected,
       connected_at, last_seen_at, last_boot_at, created_at, security_profile
FROM stations
ORDER BY station_id"""
SELECT_CONNECTORS_OF_STATION: Final = """
SELECT evse_id, connector_id, status, error_code, status_at
FROM connectors
WHERE station_id = $1
ORDER BY evse_id, connector_id"""

# --- tokens -----------------------------------------------------------------------------

SELECT_TOKEN: Final = """
SELECT id_token, kind, status, expires_at, group_id, created_at
FROM id_tokens
WHERE id_token = $1"""
UPSERT_TOKEN: Final = """
INSERT INTO id_tokens (id_token, kind, status, expires_at, group_id)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id_token) DO UPDATE
SET kind = excluded.kind, status = excluded.status, expires_at = excluded.expires_at,
    group_id = excluded.group_id"""
SELECT_TOKENS: Final = """
SELECT id_token, kind, status, expires_at, group_id, created_at
FROM id_tokens
ORDER BY id_token"""

# --- sessions ---------------------------------------------------------------------------

NEXT_TRANSACTION_ID: Final = "SELECT nextval('transaction_id_seq')::integer"
_SESSION_COLUMNS: Final = """
session_id, station_id, evse_id, connector_id, transaction_id, ocpp_version, id_token,
token_kind, authorization_status, started_at, stopped_at, meter_start_wh, meter_stop_wh,
energy_wh, stop_reason, state, offline, last_seq_no"""
SELECT_SESSION_BY_START_KEY: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE station_id = $1 AND start_key = $2"""
SELECT_SESSION_BY_TRANSACTION: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE station_id = $1 AND transaction_id = $2"""
SELECT_SESSION_BY_TRANSACTION_FOR_UPDATE: Final = SELECT_SESSION_BY_TRANSACTION + "\nFOR UPDATE"
SELECT_SESSION_BY_ID: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE session_id = $1"""
INSERT_SESSION: Final = """
INSERT INTO sessions (session_id, station_id, evse_id, connector_id, transaction_id,
                      ocpp_version, id_token, token_kind, authorization_status, started_at,
                      meter_start_wh, state, start_key, offline, last_seq_no)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"""
UPDATE_SESSION_COMPLETED: Final = """
UPDATE sessions
SET state = 'completed', stopped_at = $2, meter_stop_wh = $3, energy_wh = $4, stop_reason = $5,
    updated_at = now()
WHERE session_id = $1 AND state = 'active'"""
UPDATE_SESSION_PROGRESS: Final = """
UPDATE sessions
SET meter_start_wh = coalesce(meter_start_wh, $2),
    last_seq_no = $3,
    offline = $4,
    id_token = coalesce($5, id_token),
    token_kind = coalesce($6, token_kind),
    authorization_status = coalesce($7, authorization_status),
    updated_at = now()
WHERE session_id = $1"""
SELECT_SESSIONS: Final = f"""
SELECT {_SESSION_COLUMNS},
       latest.status AS statement_status, latest.total AS statement_total
FROM sessions
LEFT JOIN LATERAL (SELECT status, total
                   FROM statements
                   WHERE statements.session_id = sessions.session_id
                   ORDER BY issued_at DESC
                   LIMIT 1) AS latest ON true
WHERE ($1::text IS NULL OR station_id = $1) AND ($2::text IS NULL OR state = $2)
ORDER BY started_at DESC
LIMIT $3"""

# --- samples ----------------------------------------------------------------------------

INSERT_SAMPLE: Final = """
INSERT INTO meter_samples (session_id, station_id, evse_id, transaction_id, sampled_at,
                           measurand, value, unit, multiplier, phase, context, location,
                           signed_data, signing_method, encoding_method, public_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT DO NOTHING"""
SELECT_SAMPLES_OF_SESSION: Final = """
SELECT sampled_at, measurand, value, unit, multiplier, phase, context, location,
       signed_data, signing_method, encoding_method, public_key
FROM meter_samples
WHERE session_id = $1
ORDER BY sampled_at, sample_id"""

# --- 2.0.1 sequence numbers and unmatched stops ------------------------------------------

INSERT_TRANSACTION_EVENT: Final = """
INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type,
                                trigger_reason, occurred_at, offline)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING
RETURNING seq_no"""
DELETE_FILLED_GAP: Final = """
DELETE FROM seq_no_gaps
WHERE station_id = $1 AND transaction_id = $2 AND missing_seq_no = $3"""
INSERT_SEQ_NO_GAPS: Final = """
INSERT INTO seq_no_gaps (station_id, transaction_id, missing_seq_no)
SELECT $1, $2, missing
FROM generate_series(
         coalesce((SELECT max(seq_no) + 1
                   FROM transaction_events
                   WHERE station_id = $1 AND transaction_id = $2 AND seq_no < $3), 0),
         $3 - 1) AS missing
WHERE NOT EXISTS (SELECT 1
                  FROM transaction_events
                  WHERE station_id = $1 AND transaction_id = $2 AND seq_no = missing)
LIMIT 1000
ON CONFLICT DO NOTHING"""
INSERT_UNMATCHED_STOP: Final = """
INSERT INTO unmatched_stops (station_id, transaction_id, stopped_at, meter_stop_wh, reason,
                             details)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING transaction_id"""

# --- statements -------------------------------------------------------------------------

INSERT_STATEMENT: Final = """
INSERT INTO statements (statement_id, session_id, status, corrects, correction_reason,
                        tariff_id, tariff_version, currency, lines, total, tax_included,
                        tax_rate_percent, waiver, unpriced_reason, inputs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT DO NOTHING
RETURNING statement_id"""
SELECT_STATEMENTS_OF_SESSION: Final = """
SELECT statement_id, session_id, status, corrects, correction_reason, tariff_id,
       tariff_version, currency, lines, total, tax_included, tax_rate_percent, waiver,
       unpriced_reason, inputs, issued_at
FROM statements
WHERE session_id = $1
ORDER BY issued_at, statement_id"""
