-- Stations, connectors, tokens, sessions and every sampled value.

CREATE TABLE stations (
    station_id          text PRIMARY KEY,
    vendor              text,
    model               text,
    serial_number       text,
    firmware_version    text,
    ocpp_version        text,
    password_hash       text,
    connected           boolean NOT NULL DEFAULT false,
    connected_at        timestamptz,
    last_seen_at        timestamptz,
    last_boot_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connectors (
    station_id      text NOT NULL REFERENCES stations ON DELETE CASCADE,
    evse_id         integer NOT NULL,
    connector_id    integer NOT NULL,
    status          text NOT NULL,
    error_code      text,
    status_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, evse_id, connector_id)
);

CREATE TABLE id_tokens (
    id_token    text PRIMARY KEY,           -- normal form: upper case, no separators
    kind        text NOT NULL DEFAULT 'Unknown',
    status      text NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired')),
    expires_at  timestamptz,
    group_id    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- OCPP 1.6 transaction ids are integers the central system assigns.
CREATE SEQUENCE transaction_id_seq AS integer START WITH 1 NO CYCLE;

CREATE TABLE sessions (
    session_id              uuid PRIMARY KEY,
    station_id              text NOT NULL REFERENCES stations,
    evse_id                 integer NOT NULL,
    connector_id            integer NOT NULL,
    transaction_id          text NOT NULL,
    ocpp_version            text NOT NULL,
    id_token                text,
    token_kind              text,
    authorization_status    text,
    started_at              timestamptz NOT NULL,
    stopped_at              timestamptz,
    meter_start_wh          numeric,
    meter_stop_wh           numeric,
    energy_wh               numeric,
    stop_reason             text,
    state                   text NOT NULL CHECK (state IN ('active', 'completed')),
    start_key               text,
    offline                 boolean NOT NULL DEFAULT false,
    last_seq_no             integer,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (station_id, transaction_id),
    UNIQUE (station_id, start_key)
);
CREATE INDEX sessions_by_state ON sessions (state, started_at DESC);
CREATE INDEX sessions_by_station ON sessions (station_id, started_at DESC);

CREATE TABLE meter_samples (
    sample_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id      uuid REFERENCES sessions,
    station_id      text NOT NULL,
    evse_id         integer,
    transaction_id  text,
    sampled_at      timestamptz NOT NULL,
    measurand       text NOT NULL,
    value           numeric,
    unit            text,
    multiplier      integer NOT NULL DEFAULT 0,
    phase           text,
    context         text,
    location        text,
    signed_data     text,
    signing_method  text,
    encoding_method text,
    public_key      text,
    received_at     timestamptz NOT NULL DEFAULT now()
);
-- A replayed message adds no sample twice.
CREATE UNIQUE INDEX meter_samples_once ON meter_samples (
    station_id, coalesce(transaction_id, ''), coalesce(evse_id, -1), sampled_at, measurand,
    coalesce(phase, ''), coalesce(location, ''), coalesce(context, '')
);
CREATE INDEX meter_samples_by_session ON meter_samples (session_id, sampled_at);

-- 2.0.1 TransactionEvent sequence numbers: replays are detected here, gaps recorded.
CREATE TABLE transaction_events (
    station_id      text NOT NULL,
    transaction_id  text NOT NULL,
    seq_no          integer NOT NULL,
    event_type      text NOT NULL,
    trigger_reason  text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    offline         boolean NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, transaction_id, seq_no)
);

CREATE TABLE seq_no_gaps (
    station_id      text NOT NULL,
    transaction_id  text NOT NULL,
    missing_seq_no  integer NOT NULL,
    detected_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, transaction_id, missing_seq_no)
);

-- Stops for transactions we never saw start, kept for reconciliation.
CREATE TABLE unmatched_stops (
    station_id      text NOT NULL,
    transaction_id  text NOT NULL,
    stopped_at      timestamptz NOT NULL,
    meter_stop_wh   numeric,
    reason          text,
    details         jsonb NOT NULL DEFAULT '{}',
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, transaction_id)
);

-- What stations report for the operator: NotifyEvent, SecurityEventNotification, ...
CREATE TABLE station_events (
    event_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id      text NOT NULL,
    kind            text NOT NULL,
    occurred_at     timestamptz,
    payload         jsonb NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX station_events_by_station ON station_events (station_id, received_at DESC);
