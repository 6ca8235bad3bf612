-- A 2.0.1 transaction need not name its EVSE or connector; the session keeps NULL then
-- rather than an invented number.

ALTER TABLE sessions
    ALTER COLUMN evse_id DROP NOT NULL,
    ALTER COLUMN connector_id DROP NOT NULL;
