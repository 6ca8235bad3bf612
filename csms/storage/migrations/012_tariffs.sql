-- Tariffs as operator-managed data (config/tariffs/README.md, "Stored tariffs"): versions
-- with JST validity, and the assignments that choose among them (EVSE > station > site >
-- charger class). The shipped files are imported at start-up as seed data, never over a
-- stored row. A NULL tariff_id is a cleared assignment (kept, so a seed never restores it).

CREATE TABLE tariffs (
    tariff_id           text PRIMARY KEY,
    name                text NOT NULL,
    source              text NOT NULL,
    currency            text NOT NULL,
    tax_rate_percent    numeric NOT NULL,
    example             boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Immutable once a statement names (tariff_id, version): the API refuses a change (409).
CREATE TABLE tariff_versions (
    tariff_id           text NOT NULL REFERENCES tariffs,
    version             text NOT NULL,
    valid_from          date,
    valid_to            date,
    components          jsonb NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tariff_id, version),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to)
);

CREATE TABLE tariff_sites (
    site                text PRIMARY KEY,
    name                text,
    tariff_id           text REFERENCES tariffs,
    assigned_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tariff_class_assignments (
    charger_class       text PRIMARY KEY
                        CHECK (charger_class IN ('ac', 'dc_90kw_and_above', 'dc_50kw_and_below')),
    tariff_id           text REFERENCES tariffs,
    assigned_at         timestamptz NOT NULL DEFAULT now()
);

-- No reference to stations: a seed file may name a station before it is registered.
CREATE TABLE tariff_station_assignments (
    station_id          text PRIMARY KEY,
    tariff_id           text REFERENCES tariffs,
    site                text REFERENCES tariff_sites,
    charger_class       text
                        CHECK (charger_class IN ('ac', 'dc_90kw_and_above', 'dc_50kw_and_below')),
    assigned_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tariff_evse_assignments (
    station_id          text NOT NULL,
    evse_id             integer NOT NULL CHECK (evse_id >= 0),
    tariff_id           text REFERENCES tariffs,
    assigned_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, evse_id)
);

-- Bumped by every change, in its transaction: a running server polls it and reads the
-- tariffs again when it moved (a change made by another process, e.g. the CLI).
CREATE TABLE tariff_revision (
    id                  smallint PRIMARY KEY CHECK (id = 1),
    revision            bigint NOT NULL
);
INSERT INTO tariff_revision VALUES (1, 0);

-- Which versions statements used (the immutability check).
CREATE INDEX statements_tariff_version ON statements (tariff_id, tariff_version)
    WHERE tariff_id IS NOT NULL;
