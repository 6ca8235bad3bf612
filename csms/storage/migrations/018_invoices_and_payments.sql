-- Monthly invoices of contracts (seed 003; billing.md §3.5, §4) and their payment by card
-- link (seed 001; billing.md §3.6). Depends on 016 (contracts) and 017 (operator details).
--
-- An invoice is immutable once issued (billing.md §4): a trigger refuses UPDATE and DELETE;
-- a correction is a new invoice whose ``corrects`` names the one it replaces (at most one
-- correction per invoice, so the chain is a line). ``document`` is the qualified invoice
-- (適格請求書) as issued: issuer and registration number, recipient, period, lines with
-- their tax category, totals and tax per rate; the columns beside it are what queries need.

CREATE TABLE invoices (
    invoice_id      uuid PRIMARY KEY,
    invoice_number  text NOT NULL UNIQUE,
    contract_id     text NOT NULL REFERENCES contracts,
    operator_id     text REFERENCES operators,
    month           text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    issued_at       timestamptz NOT NULL,
    corrects        uuid UNIQUE REFERENCES invoices,
    total           numeric NOT NULL CHECK (total >= 0),
    carried_over    numeric NOT NULL CHECK (carried_over >= 0),
    amount_due      numeric NOT NULL CHECK (amount_due = total + carried_over),
    document        jsonb NOT NULL
);
-- The scheduler issues each contract's month once (corrections come on top of it).
CREATE UNIQUE INDEX invoices_one_per_month ON invoices (contract_id, month)
    WHERE corrects IS NULL;
CREATE INDEX invoices_of_contract ON invoices (contract_id, month);

CREATE FUNCTION invoices_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an issued invoice is immutable; issue a correction instead'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_are_immutable();

-- One payment per attempt (取引ID): a link sent by mail, or a charge of the card on file.
-- ``carried_into``: the later invoice that took an expired or failed payment's amount over
-- (001 合算請求), so an amount is carried once.
CREATE TABLE payments (
    transaction_id      text PRIMARY KEY,
    invoice_id          uuid NOT NULL REFERENCES invoices,
    contract_id         text NOT NULL REFERENCES contracts,
    amount              numeric NOT NULL CHECK (amount > 0),
    method              text NOT NULL CHECK (method IN ('link', 'card_on_file')),
    state               text NOT NULL
        CHECK (state IN ('open', 'paid', 'failed', 'expired', 'cancelled')),
    link_url            text,
    expires_at          timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    settled_at          timestamptz,
    provider_charge_id  text,
    carried_into        uuid REFERENCES invoices,
    CHECK (carried_into IS NULL OR state IN ('failed', 'expired'))
);
-- One payment per invoice (a cancelled one aside): an invoice is asked for once, and an
-- expired or failed payment's amount goes to the next invoice, never to a second try here.
CREATE UNIQUE INDEX payments_one_per_invoice ON payments (invoice_id)
    WHERE state <> 'cancelled';
CREATE INDEX payments_open ON payments (expires_at) WHERE state = 'open';
CREATE INDEX payments_to_carry ON payments (contract_id)
    WHERE state IN ('failed', 'expired') AND carried_into IS NULL;

CREATE TABLE payment_events (
    event_id        bigserial PRIMARY KEY,
    transaction_id  text NOT NULL REFERENCES payments,
    at              timestamptz NOT NULL,
    state           text NOT NULL,
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX payment_events_of ON payment_events (transaction_id, event_id);

-- The card on file after the first payment (001: later months are charged automatically):
-- the provider's token for it, never a card number.
CREATE TABLE payment_cards (
    contract_id     text PRIMARY KEY REFERENCES contracts,
    card_token      text NOT NULL,
    card_label      text NOT NULL,
    saved_at        timestamptz NOT NULL
);

-- The local sandbox payment provider's own books: what its pages offer and what it charged.
-- One charge per transaction id, whatever is pressed or replayed.
CREATE TABLE sandbox_links (
    transaction_id  text PRIMARY KEY,
    amount          numeric NOT NULL,
    expires_at      timestamptz NOT NULL,
    description     text NOT NULL
);
CREATE TABLE sandbox_charges (
    charge_id       text PRIMARY KEY,
    transaction_id  text NOT NULL,
    amount          numeric NOT NULL,
    card_token      text NOT NULL,
    approved        boolean NOT NULL,
    charged_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX sandbox_one_charge_per_transaction ON sandbox_charges (transaction_id)
    WHERE approved;
