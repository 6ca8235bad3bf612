-- The metering decision of a finished session (energy and its source, the billing meter,
-- why it is held for review), kept so that a correction prices the same decision.

ALTER TABLE sessions
    ADD COLUMN metering jsonb;
