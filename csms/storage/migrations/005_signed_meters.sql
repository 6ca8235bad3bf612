-- Billing meters (specified metering, seeds 003/004) and signed meter records (OCMF).

CREATE TABLE meters (
    serial          text PRIMARY KEY,
    maker           text NOT NULL,
    model           text NOT NULL,
    year            integer,
    accuracy_class  text,
    public_key      text,              -- DER SPKI or raw point, hex or base64; operator step
    station_id      text REFERENCES stations,
    evse_id         integer,
    site            text,
    location_note   text,
    signs_ocmf      boolean NOT NULL DEFAULT true,
    valid_from      timestamptz,
    valid_to        timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meters_by_connector ON meters (station_id, evse_id);

-- Every signed record as received (verbatim), with what we could parse of it.
CREATE TABLE signed_records (
    record_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id      uuid REFERENCES sessions,
    station_id      text NOT NULL,
    transaction_id  text,
    carrier         text NOT NULL,     -- SignedData sample, DataTransfer, signedMeterValue
    raw             text NOT NULL,
    ocmf            text,              -- the extracted OCMF text when readable
    public_key      text,              -- a key the station sent along (2.0.1), not trusted
    parse_error     text,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signed_records_once ON signed_records (
    station_id, coalesce(transaction_id, ''), md5(raw)
);
CREATE INDEX signed_records_by_session ON signed_records (session_id);

ALTER TABLE statements DROP CONSTRAINT statements_status_check;
ALTER TABLE statements ADD CONSTRAINT statements_status_check
    CHECK (status IN ('issued', 'unpriced', 'needs_review'));
ALTER TABLE statements DROP CONSTRAINT statements_check;
ALTER TABLE statements ADD CONSTRAINT statements_whole_yen
    CHECK (status <> 'issued' OR total = trunc(total));
