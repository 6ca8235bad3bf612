-- Operator access (docs/security.md): API keys with roles and tenants, member app tokens,
-- and the audit log. Secrets are stored only as SHA-256 digests of 256 random bits.

CREATE TABLE api_keys (
    name            text PRIMARY KEY,
    role            text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    operator_id     text REFERENCES operators,
    secret_digest   text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CHECK (role <> 'operator' OR operator_id IS NOT NULL),
    CHECK (role <> 'admin' OR operator_id IS NULL)
);

-- A member's app token (a credential, rotatable) is no longer the account id.
ALTER TABLE accounts ADD COLUMN app_token_digest text UNIQUE;

-- The id tag an app start sends to the station was the account id in normal form, so
-- anyone who knew an account id could charge on it: give every such tag a random value,
-- and tell the stations' local lists (the old tag removed, the new one added) through a
-- new list version of each operator concerned. Active sessions keep the tag they started
-- with; an app start still waiting for its session is moved to the new tag.
CREATE TEMP TABLE renamed_app_tags ON COMMIT DROP AS
SELECT id_token AS old_tag,
       'APP' || upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 17)) AS new_tag,
       operator_id
FROM id_tokens
WHERE kind = 'Central' AND account_id IS NOT NULL;

UPDATE id_tokens
SET id_token = renamed.new_tag
FROM renamed_app_tags AS renamed
WHERE id_tokens.id_token = renamed.old_tag;

UPDATE remote_starts
SET id_token = renamed.new_tag
FROM renamed_app_tags AS renamed
WHERE remote_starts.id_token = renamed.old_tag AND remote_starts.session_id IS NULL;

UPDATE operators
SET local_list_version = local_list_version + 1
WHERE operator_id IN (SELECT operator_id FROM renamed_app_tags);

INSERT INTO local_list_changes (operator_id, version, id_token)
SELECT renamed.operator_id, operators.local_list_version, tag.id_token
FROM renamed_app_tags AS renamed
JOIN operators USING (operator_id)
CROSS JOIN LATERAL (VALUES (renamed.old_tag), (renamed.new_tag)) AS tag (id_token)
ON CONFLICT DO NOTHING;

CREATE TABLE audit_log (
    audit_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL,
    actor           text NOT NULL,
    role            text NOT NULL,
    action          text NOT NULL,
    target          text,
    station_id      text,
    operator_id     text,           -- the operator that owns the target
    outcome         text NOT NULL,
    answer          jsonb,
    error           text
);
CREATE INDEX audit_log_by_operator ON audit_log (operator_id, at DESC);
CREATE INDEX audit_log_by_station ON audit_log (station_id, at DESC);
