-- Reservations the server owns (seed 002 第10-12条, docs/reservations.md): which stations
-- are reservable and how, the reservations with their outcome, and statements that belong
-- to a reservation (a no-show penalty) rather than to a session.

-- A station's reservation policy; no row: not reservable. Fees are tax-included yen.
CREATE TABLE reservation_policies (
    station_id              text PRIMARY KEY REFERENCES stations,
    reservable              boolean NOT NULL DEFAULT false,
    evse_ids                integer[],          -- NULL: every EVSE of the station
    slot_minutes            integer NOT NULL DEFAULT 30 CHECK (slot_minutes BETWEEN 1 AND 1440),
    max_slots               integer NOT NULL DEFAULT 8 CHECK (max_slots BETWEEN 1 AND 96),
    max_days_ahead          integer NOT NULL DEFAULT 14 CHECK (max_days_ahead BETWEEN 0 AND 365),
    opens_at                time,               -- JST; NULL: open all day
    closes_at               time,
    no_show_fee             numeric NOT NULL DEFAULT 0 CHECK (no_show_fee >= 0),
    extension_fee_per_minute numeric NOT NULL DEFAULT 0 CHECK (extension_fee_per_minute >= 0),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((opens_at IS NULL) = (closes_at IS NULL)),
    CHECK (no_show_fee = trunc(no_show_fee))
);

CREATE SEQUENCE ocpp_reservation_ids AS integer START 1;

CREATE TABLE reservations (
    reservation_id          uuid PRIMARY KEY,
    ocpp_reservation_id     integer NOT NULL UNIQUE DEFAULT nextval('ocpp_reservation_ids'),
    station_id              text NOT NULL REFERENCES stations,
    evse_id                 integer,            -- NULL: any EVSE (1.6 connector 0)
    connector_type          text,
    account_id              text REFERENCES accounts,
    id_token                text NOT NULL,      -- the token the station will see
    id_token_kind           text NOT NULL DEFAULT 'ISO14443',  -- 2.0.1 IdTokenEnumType
    starts_at               timestamptz NOT NULL,
    ends_at                 timestamptz NOT NULL,
    status                  text NOT NULL DEFAULT 'scheduled' CHECK (status IN (
                                'scheduled', 'active', 'used', 'cancelled', 'expired',
                                'no_show', 'not_honoured')),
    -- the fees in force when it was made (the policy may change later)
    no_show_fee             numeric NOT NULL DEFAULT 0,
    extension_fee_per_minute numeric NOT NULL DEFAULT 0,
    session_id              uuid REFERENCES sessions,
    station_answer          text,               -- ReserveNow's status when it was not Accepted
    cancelled_by            text,               -- 'member' or 'operator'
    held_by_station         boolean NOT NULL DEFAULT false,  -- the station accepted ReserveNow
    cancel_sent             boolean NOT NULL DEFAULT false,  -- CancelReservation answered
    power_cut               text,               -- 'profile' or 'remote_stop' at the window end
    ended_at                timestamptz,        -- when the server's clock closed the window
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at)
);
-- At most one live reservation per EVSE window (a whole-station one overlaps every EVSE).
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE reservations ADD CONSTRAINT reservations_no_overlap EXCLUDE USING gist (
    station_id WITH =,
    coalesce(evse_id, 0) WITH =,
    tstzrange(starts_at, ends_at) WITH &&
) WHERE (status IN ('scheduled', 'active', 'used'));
CREATE INDEX reservations_to_open ON reservations (starts_at) WHERE ended_at IS NULL;
CREATE INDEX reservations_to_end ON reservations (ends_at) WHERE ended_at IS NULL;
CREATE INDEX reservations_to_release ON reservations (updated_at)
    WHERE held_by_station AND NOT cancel_sent;
CREATE INDEX reservations_by_station ON reservations (station_id, created_at DESC);
CREATE INDEX reservations_by_account ON reservations (account_id, created_at DESC);
CREATE INDEX reservations_by_session ON reservations (session_id) WHERE session_id IS NOT NULL;

-- A member may leave (第7条 退会): a closed account; its reservation function may be
-- suspended (第11条) until an operator lifts it.
ALTER TABLE accounts DROP CONSTRAINT accounts_status_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_status_check
    CHECK (status IN ('valid', 'blocked', 'expired', 'deactivated', 'closed'));
ALTER TABLE accounts
    ADD COLUMN reservations_suspended_at timestamptz,
    ADD COLUMN reservations_suspended_reason text,
    ADD COLUMN reservations_lifted_at timestamptz;  -- offences before it no longer count

-- A statement belongs to a session or to a reservation (a no-show penalty).
ALTER TABLE statements
    ALTER COLUMN session_id DROP NOT NULL,
    ADD COLUMN reservation_id uuid REFERENCES reservations,
    ADD CONSTRAINT statements_of_one CHECK ((session_id IS NULL) <> (reservation_id IS NULL));
CREATE UNIQUE INDEX statements_one_original_per_reservation
    ON statements (reservation_id) WHERE corrects IS NULL AND reservation_id IS NOT NULL;

-- What a station's screen shows of the price (seed 002 第10条): 1.6 stations that support
-- the Open Charge Alliance's costmsg DataTransfer, and the language of its texts.
CREATE TABLE station_price_display (
    station_id      text PRIMARY KEY REFERENCES stations,
    cost_messages   boolean NOT NULL DEFAULT false,
    language        text NOT NULL DEFAULT 'ja' CHECK (language IN ('ja', 'en')),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A token's normal form, as csms.authorization.rule.normalise_token makes it: upper case;
-- separators (space, colon, hyphen) dropped only from a hex card id.
CREATE FUNCTION normal_token(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN compact <> value AND compact ~ '^[0-9A-Fa-f]+$' THEN upper(compact)
        ELSE upper(value)
    END
    FROM (SELECT regexp_replace(value, '[-:[:space:]]', '', 'g') AS compact) AS c
$$;
