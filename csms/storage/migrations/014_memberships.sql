-- Memberships (seed 002 第13条): an operator gives chosen member accounts special prices
-- (config/tariffs/README.md, "Memberships"). A membership names its members (accounts of
-- its operator) and the tariff they pay per station, per site, and optionally one default
-- for all of its operator's stations. At settlement (storage/pricing_terms.py) the member's
-- membership tariff is read station > site > default, and only at the membership operator's
-- stations; anyone else, or anywhere else, pays the list price. Depends on 004 (operators,
-- accounts) and 012 (tariffs, sites), not on 013.

CREATE TABLE memberships (
    membership_id       text PRIMARY KEY,
    operator_id         text NOT NULL REFERENCES operators,
    name                text NOT NULL,
    tariff_id           text REFERENCES tariffs,    -- the default at the operator's stations
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memberships_by_operator ON memberships (operator_id, membership_id);

CREATE TABLE membership_members (
    membership_id       text NOT NULL REFERENCES memberships,
    account_id          text NOT NULL REFERENCES accounts,
    added_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (membership_id, account_id)
);
-- The settlement lookup goes from the member's account to its memberships.
CREATE INDEX membership_members_by_account ON membership_members (account_id, membership_id);

CREATE TABLE membership_station_tariffs (
    membership_id       text NOT NULL REFERENCES memberships,
    station_id          text NOT NULL REFERENCES stations,
    tariff_id           text NOT NULL REFERENCES tariffs,
    PRIMARY KEY (membership_id, station_id)
);

-- A site is what tariff_station_assignments.site names (migration 012).
CREATE TABLE membership_site_tariffs (
    membership_id       text NOT NULL REFERENCES memberships,
    site                text NOT NULL REFERENCES tariff_sites,
    tariff_id           text NOT NULL REFERENCES tariffs,
    PRIMARY KEY (membership_id, site)
);
