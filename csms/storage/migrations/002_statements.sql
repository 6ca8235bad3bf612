-- One priced statement per finished session; immutable once issued.

CREATE TABLE statements (
    statement_id        uuid PRIMARY KEY,
    session_id          uuid NOT NULL REFERENCES sessions,
    status              text NOT NULL CHECK (status IN ('issued', 'unpriced')),
    corrects            uuid REFERENCES statements,
    correction_reason   text,
    tariff_id           text,
    tariff_version      text,
    currency            text NOT NULL DEFAULT 'JPY',
    lines               jsonb NOT NULL DEFAULT '[]',
    total               numeric,
    tax_included        numeric,
    tax_rate_percent    numeric,
    waiver              text,
    unpriced_reason     text,
    inputs              jsonb NOT NULL,
    issued_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (status = 'unpriced' OR total = trunc(total)),
    CHECK ((corrects IS NULL) = (correction_reason IS NULL))
);
-- Exactly one original statement per session, whatever the replays.
CREATE UNIQUE INDEX statements_one_original ON statements (session_id) WHERE corrects IS NULL;
-- A statement is corrected at most once; corrections form a chain.
CREATE UNIQUE INDEX statements_one_correction ON statements (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX statements_by_session ON statements (session_id, issued_at);

CREATE FUNCTION statements_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'statements are immutable; issue a correction that refers to %',
        OLD.statement_id;
END;
$$;
CREATE TRIGGER statements_immutable
    BEFORE UPDATE OR DELETE ON statements
    FOR EACH ROW EXECUTE FUNCTION statements_are_immutable();
