-- Smart charging (seed 004 第2条12-14; issue "smart charging"): sites with their contracted
-- demand, feeders as a tree with limits, which stations and EVSEs hang on which feeder, the
-- charging profiles sent (the operator's and the allocator's), and what each station said it
-- supports.

CREATE TABLE sites (
    site_id         text PRIMARY KEY,
    operator_id     text REFERENCES operators,
    name            text NOT NULL,
    location        text,
    contracted_kw   numeric CHECK (contracted_kw > 0),  -- 契約電力
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE feeders (
    site_id         text NOT NULL REFERENCES sites ON DELETE CASCADE,
    feeder_id       text NOT NULL,
    parent_id       text,               -- NULL: the site's root (its grid connection)
    limit_kw        numeric CHECK (limit_kw >= 0),
    limit_a         numeric CHECK (limit_a >= 0),  -- per phase
    phases          integer NOT NULL DEFAULT 3 CHECK (phases IN (1, 3)),
    voltage_v       numeric NOT NULL DEFAULT 200 CHECK (voltage_v > 0),
    PRIMARY KEY (site_id, feeder_id),
    FOREIGN KEY (site_id, parent_id) REFERENCES feeders (site_id, feeder_id)
);
CREATE UNIQUE INDEX feeders_one_root ON feeders (site_id) WHERE parent_id IS NULL;

-- One EVSE of a station on a feeder, with what it can give: AC (1 or 3 phases) or DC, its
-- rating and the least it may be given once a vehicle is admitted.
CREATE TABLE feeder_members (
    site_id         text NOT NULL,
    feeder_id       text NOT NULL,
    station_id      text NOT NULL REFERENCES stations,
    evse_id         integer NOT NULL CHECK (evse_id >= 1),
    current         text NOT NULL DEFAULT 'AC' CHECK (current IN ('AC', 'DC')),
    phases          integer NOT NULL DEFAULT 1 CHECK (phases IN (1, 3)),
    max_kw          numeric NOT NULL CHECK (max_kw > 0),
    min_kw          numeric NOT NULL DEFAULT 0 CHECK (min_kw >= 0),
    FOREIGN KEY (site_id, feeder_id) REFERENCES feeders ON DELETE CASCADE
);
-- A boost in force (seed 004 第2条12: 短時間定格電流の出力時間): the session's power wanted
-- until ``until``.
CREATE TABLE session_boosts (
    session_id      uuid PRIMARY KEY REFERENCES sessions,
    boost_kw        numeric NOT NULL CHECK (boost_kw > 0),
    until           timestamptz NOT NULL
);
CREATE UNIQUE INDEX feeder_members_once ON feeder_members (station_id, evse_id);

CREATE SEQUENCE ocpp_charging_profile_ids AS integer START 1;

CREATE TABLE charging_profiles (
    profile_id      uuid PRIMARY KEY,
    ocpp_profile_id integer NOT NULL UNIQUE DEFAULT nextval('ocpp_charging_profile_ids'),
    station_id      text NOT NULL REFERENCES stations,
    evse_id         integer NOT NULL DEFAULT 0,
    description     text,
    source          text NOT NULL DEFAULT 'operator' CHECK (source IN ('operator', 'allocator')),
    profile         jsonb NOT NULL,     -- the neutral shape, exact decimals as text
    session_id      uuid REFERENCES sessions,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN (
                        'pending', 'accepted', 'rejected', 'cleared', 'failed')),
    station_answer  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charging_profiles_by_station ON charging_profiles (station_id, created_at DESC);
CREATE INDEX charging_profiles_pending ON charging_profiles (station_id) WHERE status = 'pending';

-- What a station reported of its smart charging (1.6 ChargeProfileMaxStackLevel,
-- ChargingScheduleAllowedChargingRateUnit, ChargingScheduleMaxPeriods; 2.0.1
-- SmartChargingCtrlr ProfileStackLevel, RateUnit, PeriodsPerSchedule).
CREATE TABLE station_smart_charging (
    station_id      text PRIMARY KEY REFERENCES stations,
    max_stack_level integer,
    units           text[],
    max_periods     integer,
    learned_at      timestamptz NOT NULL DEFAULT now()
);
