-- Monthly contracts (seed 003 Charge Club; 001 SmartTech): one contract per place of use
-- (001), its plan, term (第16条), meter (特定計量: 子メーター, or the lot's 親メーター while the
-- lot has one charger, 第7条), and the monthly readings that bill it.

CREATE TABLE contracts (
    contract_id         text PRIMARY KEY,
    operator_id         text REFERENCES operators,
    customer_id         text NOT NULL,
    customer_name       text NOT NULL,
    email               text,
    place_id            text NOT NULL,
    parking_space       text,
    plan_id             text NOT NULL,
    start_date          date NOT NULL,
    station_id          text REFERENCES stations,
    evse_id             integer,
    meter_serial        text,
    meter_maker         text,
    meter_model         text,
    meter_year          integer,
    parent_meter        boolean NOT NULL DEFAULT false,
    no_renewal_notice_on date,
    terminated_on       date,
    handed_back_on      date,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (terminated_on IS NULL OR terminated_on >= start_date),
    CHECK (handed_back_on IS NULL OR (terminated_on IS NOT NULL AND handed_back_on >= terminated_on)),
    CHECK ((meter_serial IS NULL) = (meter_maker IS NULL))
);
-- One contract per place of use while it runs (until the space is handed back).
CREATE UNIQUE INDEX contracts_one_per_place ON contracts (place_id) WHERE handed_back_on IS NULL;

CREATE TABLE contract_readings (
    contract_id     text NOT NULL REFERENCES contracts,
    month           text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    opening_kwh     numeric NOT NULL CHECK (opening_kwh >= 0),
    closing_kwh     numeric NOT NULL,
    source          text NOT NULL CHECK (source IN ('import', 'api', 'charger')),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, month),
    CHECK (closing_kwh >= opening_kwh)
);
