-- Operators, member accounts and cards, visitors (card touch, one-time passwords),
-- app starts, local authorization lists, and the mail outbox.

CREATE TABLE operators (
    operator_id         text PRIMARY KEY,
    name                text NOT NULL,
    local_list_version  integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE stations
    ADD COLUMN operator_id text REFERENCES operators,
    ADD COLUMN local_list_version integer;  -- what the station holds, as last pushed

CREATE TABLE accounts (
    account_id      text PRIMARY KEY,
    operator_id     text NOT NULL REFERENCES operators,
    name            text NOT NULL,
    email           text,
    status          text NOT NULL DEFAULT 'valid'
                        CHECK (status IN ('valid', 'blocked', 'expired', 'deactivated')),
    expires_at      timestamptz,
    group_id        text,
    last_used_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE id_tokens
    ADD COLUMN operator_id text REFERENCES operators,
    ADD COLUMN account_id text REFERENCES accounts,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Every change of a card that a local list carries, by operator list version.
CREATE TABLE local_list_changes (
    operator_id     text NOT NULL REFERENCES operators,
    version         integer NOT NULL,
    id_token        text NOT NULL,
    PRIMARY KEY (operator_id, version, id_token)
);

-- Stands (seed 000 SID): a public id for one EVSE of one station.
CREATE TABLE stands (
    stand_id        text PRIMARY KEY,
    station_id      text NOT NULL REFERENCES stations,
    evse_id         integer NOT NULL,
    label           text,
    uses_passwords  boolean NOT NULL DEFAULT false,  -- seed 004 sites: keypad password
    UNIQUE (station_id, evse_id)
);

-- A visitor's registration; never a card number (seed 000).
CREATE TABLE visitors (
    visitor_id          uuid PRIMARY KEY,
    stand_id            text NOT NULL REFERENCES stands,
    name                text NOT NULL,
    email               text NOT NULL,
    payment_reference   text NOT NULL,
    notify              boolean NOT NULL DEFAULT false,
    registered_at       timestamptz NOT NULL
);

-- The 60-second card-touch window opened by a registration (seed 000).
CREATE TABLE touch_windows (
    visitor_id      uuid PRIMARY KEY REFERENCES visitors,
    stand_id        text NOT NULL REFERENCES stands,
    station_id      text NOT NULL,
    evse_id         integer NOT NULL,
    opened_at       timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL,
    id_token        text,           -- the touched card, bound to this visit only
    touched_at      timestamptz
);
CREATE INDEX touch_windows_open ON touch_windows (station_id, closes_at);

-- One-time visitor passwords (seed 004 第6-7条), stored hashed.
CREATE TABLE visitor_passwords (
    visitor_id      uuid PRIMARY KEY REFERENCES visitors,
    station_id      text NOT NULL,
    code_hash       text NOT NULL,
    issued_at       timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    authorized_at   timestamptz,
    consumed_at     timestamptz
);
CREATE INDEX visitor_passwords_by_code ON visitor_passwords (station_id, code_hash);

-- App starts (seed 002 第18条) waiting for the station's transaction.
CREATE TABLE remote_starts (
    remote_start_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id      text NOT NULL,
    evse_id         integer NOT NULL,
    id_token        text NOT NULL,
    account_id      text REFERENCES accounts,
    requested_at    timestamptz NOT NULL,
    session_id      uuid
);
CREATE INDEX remote_starts_waiting ON remote_starts (station_id, id_token) WHERE session_id IS NULL;

ALTER TABLE sessions
    ADD COLUMN visitor_id uuid REFERENCES visitors,
    ADD COLUMN remote_start_id integer,
    ADD COLUMN flag text;   -- e.g. started offline with a card that is now blocked

-- Mail to send ("charging complete" with the fee); a sender drains it.
CREATE TABLE outbox (
    message_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
