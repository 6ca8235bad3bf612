-- The operator's registered details (seed 002 第19条: receipts are issued from them; without
-- them none is issued): the name as registered (登録事業者の氏名又は名称) and the
-- registration number of the qualified-invoice system (適格請求書等保存方式: T + 13 digits,
-- csms/billing/registration.py), printed on every receipt (csms/settlement/receipts.py).
-- ``corporate``: the 13 digits are a corporate number (法人番号), whose check digit the
-- service checked; an individual's number is checked for its format only. One row per
-- operator, changed in place (a receipt prints the details as they are when it is asked for).
-- Depends on 004 (operators) only.

CREATE TABLE operator_details (
    operator_id          text PRIMARY KEY REFERENCES operators,
    legal_name           text NOT NULL CHECK (legal_name <> ''),
    registration_number  text NOT NULL CHECK (registration_number ~ '^T[0-9]{13}$'),
    corporate            boolean NOT NULL DEFAULT true,
    address              text,
    phone                text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
