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

_TOKEN_COLUMNS: Final = (
    "id_token, kind, status, expires_at, group_id, created_at, operator_id, account_id"
)
SELECT_TOKEN: Final = f"""
SELECT {_TOKEN_COLUMNS}
FROM id_tokens
WHERE id_token = $1"""
UPSERT_TOKEN: Final = """
INSERT INTO id_tokens (id_token, kind, status, expires_at, group_id, operator_id, account_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id_token) DO UPDATE
SET kind = excluded.kind, status = excluded.status, expires_at = excluded.expires_at,
    group_id = excluded.group_id, operator_id = excluded.operator_id,
    account_id = excluded.account_id, updated_at = now()"""
SELECT_TOKENS: Final = f"""
SELECT {_TOKEN_COLUMNS}
FROM id_tokens
ORDER BY id_token"""
SELECT_VALID_TOKENS_OF_OPERATOR: Final = f"""
SELECT {_TOKEN_COLUMNS}
FROM id_tokens
WHERE operator_id = $1 AND status = 'Accepted' AND (expires_at IS NULL OR expires_at > $2)
ORDER BY id_token"""
SELECT_TOKENS_CHANGED_SINCE: Final = """
SELECT c.id_token, t.id_token IS NOT NULL AS known, t.kind, t.status, t.expires_at,
       t.group_id, t.created_at, t.operator_id, t.account_id
FROM (SELECT DISTINCT id_token
      FROM local_list_changes
      WHERE operator_id = $1 AND version > $2) AS c
LEFT JOIN id_tokens AS t ON t.id_token = c.id_token
ORDER BY c.id_token"""

# --- operators and accounts -----------------------------------------------------------------

INSERT_OPERATOR: Final = """
INSERT INTO operators (operator_id, name)
VALUES ($1, $2)
ON CONFLICT (operator_id) DO UPDATE SET name = excluded.name"""
BUMP_LIST_VERSION: Final = """
UPDATE operators
SET local_list_version = local_list_version + 1
WHERE operator_id = $1
RETURNING local_list_version"""
SELECT_LIST_VERSION: Final = "SELECT local_list_version FROM operators WHERE operator_id = $1"
INSERT_LIST_CHANGE: Final = """
INSERT INTO local_list_changes (operator_id, version, id_token)
VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING"""
_ACCOUNT_COLUMNS: Final = (
    "account_id, operator_id, name, email, status, expires_at, group_id, last_used_at, created_at"
)
SELECT_ACCOUNT: Final = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1"
SELECT_ACCOUNTS: Final = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY account_id"
UPSERT_ACCOUNT: Final = """
INSERT INTO accounts (account_id, operator_id, name, email, status, expires_at, group_id,
                      last_used_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()))
ON CONFLICT (account_id) DO UPDATE
SET name = excluded.name, email = excluded.email, status = excluded.status,
    expires_at = excluded.expires_at, group_id = excluded.group_id"""
TOUCH_ACCOUNT: Final = "UPDATE accounts SET last_used_at = $2 WHERE account_id = $1"
DEACTIVATE_ACCOUNT: Final = (
    "UPDATE accounts SET status = 'deactivated' WHERE account_id = $1 AND status = 'valid'"
)
SELECT_STATION_OPERATOR: Final = "SELECT operator_id FROM stations WHERE station_id = $1"
UPDATE_STATION_OPERATOR: Final = "UPDATE stations SET operator_id = $2 WHERE station_id = $1"
SELECT_STATIONS_OF_OPERATOR: Final = """
SELECT station_id, local_list_version
FROM stations
WHERE operator_id = $1
ORDER BY station_id"""
UPDATE_STATION_LIST_VERSION: Final = (
    "UPDATE stations SET local_list_version = $2 WHERE station_id = $1"
)

# --- stands, visitors, windows, passwords, outbox --------------------------------------------

SELECT_STAND: Final = """
SELECT stand_id, station_id, evse_id, label, uses_passwords
FROM stands
WHERE stand_id = $1"""
UPSERT_STAND: Final = """
INSERT INTO stands (stand_id, station_id, evse_id, label, uses_passwords)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (stand_id) DO UPDATE
SET station_id = excluded.station_id, evse_id = excluded.evse_id, label = excluded.label,
    uses_passwords = excluded.uses_passwords"""
INSERT_VISITOR: Final = """
INSERT INTO visitors (visitor_id, stand_id, name, email, payment_reference, notify, registered_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)"""
SELECT_VISITOR: Final = """
SELECT visitor_id, stand_id, name, email, payment_reference, notify, registered_at
FROM visitors
WHERE visitor_id = $1"""
LOCK_STAND: Final = "SELECT 1 FROM stands WHERE stand_id = $1 FOR UPDATE"
SELECT_OPEN_WINDOW_AT_STAND: Final = """
SELECT closes_at
FROM touch_windows
WHERE stand_id = $1 AND touched_at IS NULL AND opened_at <= $2 AND $2 < closes_at
ORDER BY opened_at
LIMIT 1"""
INSERT_WINDOW: Final = """
INSERT INTO touch_windows (visitor_id, stand_id, station_id, evse_id, opened_at, closes_at)
VALUES ($1, $2, $3, $4, $5, $6)"""
TOUCH_OPEN_WINDOW: Final = """
UPDATE touch_windows
SET id_token = $3, touched_at = $4
WHERE visitor_id = (SELECT visitor_id
                    FROM touch_windows
                    WHERE station_id = $1 AND ($2::integer IS NULL OR evse_id = $2)
                      AND touched_at IS NULL AND opened_at <= $4 AND $4 < closes_at
                    ORDER BY opened_at
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
RETURNING visitor_id"""
SELECT_BOUND_WINDOW: Final = """
SELECT visitor_id
FROM touch_windows
WHERE station_id = $1 AND id_token = $2 AND touched_at >= $3
ORDER BY touched_at DESC
LIMIT 1"""
SELECT_PASSWORD_IN_USE: Final = """
SELECT 1
FROM visitor_passwords
WHERE station_id = $1 AND code_hash = $2 AND consumed_at IS NULL AND expires_at > $3"""
INSERT_PASSWORD: Final = """
INSERT INTO visitor_passwords (visitor_id, station_id, code_hash, issued_at, expires_at)
VALUES ($1, $2, $3, $4, $5)"""
USE_PASSWORD: Final = """
UPDATE visitor_passwords
SET authorized_at = coalesce(authorized_at, $3),
    consumed_at = CASE WHEN $4 THEN $3 ELSE consumed_at END
WHERE visitor_id = (SELECT visitor_id
                    FROM visitor_passwords
                    WHERE station_id = $1 AND code_hash = $2 AND consumed_at IS NULL
                      AND issued_at <= $3 AND $3 < expires_at
                    ORDER BY issued_at
                    LIMIT 1
                    FOR UPDATE)
RETURNING visitor_id"""
INSERT_MAIL: Final = """
INSERT INTO outbox (kind, recipient, subject, body)
VALUES ($1, $2, $3, $4)"""
SELECT_UNSENT_MAIL: Final = """
SELECT message_id, kind, recipient, subject, body
FROM outbox
WHERE sent_at IS NULL
ORDER BY created_at
LIMIT $1
FOR UPDATE SKIP LOCKED"""
MARK_MAIL_SENT: Final = "UPDATE outbox SET sent_at = now() WHERE message_id = $1"

# --- remote starts ----------------------------------------------------------------------------

INSERT_REMOTE_START: Final = """
INSERT INTO remote_starts (station_id, evse_id, id_token, account_id, requested_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING remote_start_id"""
CLAIM_REMOTE_START: Final = """
UPDATE remote_starts
SET session_id = $5
WHERE remote_start_id = (SELECT remote_start_id
                         FROM remote_starts
                         WHERE station_id = $1 AND session_id IS NULL
                           AND (remote_start_id = $3 OR ($3::integer IS NULL AND id_token = $2
                                                        AND requested_at >= $4))
                         ORDER BY requested_at DESC
                         LIMIT 1)
RETURNING remote_start_id"""

# --- sessions ---------------------------------------------------------------------------

NEXT_TRANSACTION_ID: Final = "SELECT nextval('transaction_id_seq')::integer"
_SESSION_COLUMNS: Final = """
session_id, station_id, evse_id, connector_id, transaction_id, ocpp_version, id_token,
token_kind, authorization_status, started_at, stopped_at, meter_start_wh, meter_stop_wh,
energy_wh, stop_reason, state, offline, last_seq_no, visitor_id, remote_start_id, flag"""
SELECT_SESSION_BY_START_KEY: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE station_id = $1 AND start_key = $2"""
SELECT_SESSION_BY_TRANSACTION: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE station_id = $1 AND transaction_id = $2"""
SELECT_SESSION_BY_TRANSACTION_FOR_UPDATE: Final = SELECT_SESSION_BY_TRANSACTION + "\nFOR UPDATE"
SELECT_LATEST_SESSION_OF_STATION: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE station_id = $1
ORDER BY started_at DESC
LIMIT 1"""
SELECT_SESSION_BY_ID: Final = f"""
SELECT {_SESSION_COLUMNS}
FROM sessions
WHERE session_id = $1"""
INSERT_SESSION: Final = """
INSERT INTO sessions (session_id, station_id, evse_id, connector_id, transaction_id,
                      ocpp_version, id_token, token_kind, authorization_status, started_at,
                      meter_start_wh, state, start_key, offline, last_seq_no, visitor_id,
                      remote_start_id, flag)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"""
UPDATE_SESSION_COMPLETED: Final = """
UPDATE sessions
SET state = 'completed', stopped_at = $2, meter_stop_wh = $3, energy_wh = $4, stop_reason = $5,
    updated_at = now()
WHERE session_id = $1 AND state = 'active'"""
UPDATE_SESSION_PROGRESS: Final = """
UPDATE sessions
SET meter_start_wh = coalesce(meter_start_wh, $2),
    last_seq_no = coalesce($3, last_seq_no),
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
# Group commit: many messages' samples, each linked to its session, in one statement.
INSERT_SAMPLES_BATCH: Final = """
INSERT INTO meter_samples (session_id, station_id, evse_id, transaction_id, sampled_at,
                           measurand, value, unit, multiplier, phase, context, location)
SELECT s.session_id, u.station_id, u.evse_id, u.transaction_id, u.sampled_at, u.measurand,
       u.value, u.unit, u.multiplier, u.phase, u.context, u.location
FROM unnest($1::text[], $2::integer[], $3::text[], $4::timestamptz[], $5::text[],
            $6::numeric[], $7::text[], $8::integer[], $9::text[], $10::text[], $11::text[])
     AS u(station_id, evse_id, transaction_id, sampled_at, measurand, value, unit,
          multiplier, phase, context, location)
LEFT JOIN sessions AS s ON s.station_id = u.station_id AND s.transaction_id = u.transaction_id
ON CONFLICT DO NOTHING"""
SELECT_SAMPLES_OF_SESSION: Final = """
SELECT sampled_at, measurand, value, unit, multiplier, phase, context, location,
       signed_data, signing_method, encoding_method, public_key
FROM meter_samples
WHERE session_id = $1
ORDER BY sampled_at, sample_id"""

# --- 2.0.1 sequence numbers and unmatched stops ------------------------------------------

# One round trip: record the event; if it is new, clear the gap it fills and record the
# sequence numbers still missing below it (a replay inserts nothing and changes nothing).
RECORD_TRANSACTION_EVENT: Final = """
WITH inserted AS (
    INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type,
                                    trigger_reason, occurred_at, offline)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT DO NOTHING
    RETURNING seq_no
), filled AS (
    DELETE FROM seq_no_gaps
    WHERE station_id = $1 AND transaction_id = $2 AND missing_seq_no = $3
      AND EXISTS (SELECT 1 FROM inserted)
), missing AS (
    INSERT INTO seq_no_gaps (station_id, transaction_id, missing_seq_no)
    SELECT $1, $2, gap
    FROM generate_series(
             coalesce((SELECT max(seq_no) + 1
                       FROM transaction_events
                       WHERE station_id = $1 AND transaction_id = $2 AND seq_no < $3), 0),
             $3 - 1) AS gap
    WHERE EXISTS (SELECT 1 FROM inserted)
      AND NOT EXISTS (SELECT 1
                      FROM transaction_events
                      WHERE station_id = $1 AND transaction_id = $2 AND seq_no = gap)
    LIMIT 1000
    ON CONFLICT DO NOTHING
), bumped AS (
    UPDATE sessions
    SET last_seq_no = greatest(coalesce(last_seq_no, $3), $3)
    WHERE station_id = $1 AND transaction_id = $2 AND EXISTS (SELECT 1 FROM inserted)
)
SELECT count(*) FROM inserted"""
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

# --- meters and signed records ------------------------------------------------------------

_METER_COLUMNS: Final = (
    "serial, maker, model, year, accuracy_class, public_key, station_id, evse_id, site, "
    "location_note, signs_ocmf, valid_from, valid_to"
)
UPSERT_METER: Final = """
INSERT INTO meters (serial, maker, model, year, accuracy_class, public_key, station_id,
                    evse_id, site, location_note, signs_ocmf, valid_from, valid_to)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (serial) DO UPDATE
SET maker = excluded.maker, model = excluded.model, year = excluded.year,
    accuracy_class = excluded.accuracy_class,
    public_key = coalesce(excluded.public_key, meters.public_key),
    station_id = excluded.station_id, evse_id = excluded.evse_id, site = excluded.site,
    location_note = excluded.location_note, signs_ocmf = excluded.signs_ocmf,
    valid_from = excluded.valid_from, valid_to = excluded.valid_to"""
SELECT_METER: Final = f"SELECT {_METER_COLUMNS} FROM meters WHERE serial = $1"
SELECT_METER_FOR_CONNECTOR: Final = f"""
SELECT {_METER_COLUMNS}
FROM meters
WHERE station_id = $1 AND evse_id = $2
  AND (valid_from IS NULL OR valid_from <= $3) AND (valid_to IS NULL OR $3 <= valid_to)
ORDER BY valid_from DESC NULLS LAST
LIMIT 1"""
INSERT_SIGNED_RECORD: Final = """
INSERT INTO signed_records (session_id, station_id, transaction_id, carrier, raw, ocmf,
                            public_key, parse_error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING record_id"""
SELECT_SIGNED_RECORDS_OF_SESSION: Final = """
SELECT record_id, session_id, station_id, transaction_id, carrier, raw, ocmf, public_key,
       parse_error, received_at
FROM signed_records
WHERE session_id = $1
ORDER BY received_at, record_id"""
LINK_SIGNED_RECORDS: Final = """
UPDATE signed_records
SET session_id = $3
WHERE station_id = $1 AND transaction_id = $2 AND session_id IS NULL"""
SELECT_METERS: Final = f"SELECT {_METER_COLUMNS} FROM meters ORDER BY serial"

# --- authorization fast path --------------------------------------------------------------

SELECT_VISITS_POSSIBLE: Final = """
SELECT EXISTS (SELECT 1
               FROM touch_windows
               WHERE station_id = $1 AND (closes_at > $2 OR touched_at >= $3))
    OR EXISTS (SELECT 1
               FROM visitor_passwords
               WHERE station_id = $1 AND consumed_at IS NULL AND expires_at > $2)"""
SELECT_MEMBER_VIEW: Final = """
SELECT t.id_token, t.kind, t.status, t.expires_at, t.group_id, t.created_at, t.operator_id,
       t.account_id,
       a.account_id AS a_account_id, a.operator_id AS a_operator_id, a.name AS a_name,
       a.email AS a_email, a.status AS a_status, a.expires_at AS a_expires_at,
       a.group_id AS a_group_id, a.last_used_at AS a_last_used_at,
       a.created_at AS a_created_at,
       (SELECT operator_id FROM stations WHERE station_id = $2) AS station_operator
FROM (SELECT 1) AS one
LEFT JOIN id_tokens AS t ON t.id_token = $1
LEFT JOIN accounts AS a ON a.account_id = t.account_id"""
