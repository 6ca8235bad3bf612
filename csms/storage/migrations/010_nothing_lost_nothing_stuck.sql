-- Nothing lost, nothing stuck (docs/reliability.md).
--
-- 2.0.1 TransactionEvents are told apart by their content, not by seqNo alone: a station
-- whose counter restarted reuses a seqNo for a different event, which is kept (flagged
-- seq_no_reused) instead of being discarded as a replay. OCPP integers (seqNo) can exceed
-- int32: bigint.
ALTER TABLE transaction_events
    ALTER COLUMN seq_no TYPE bigint,
    ADD COLUMN digest text NOT NULL DEFAULT '',
    ADD COLUMN seq_no_reused boolean NOT NULL DEFAULT false,
    DROP CONSTRAINT transaction_events_pkey,
    ADD PRIMARY KEY (station_id, transaction_id, seq_no, digest);
ALTER TABLE seq_no_gaps ALTER COLUMN missing_seq_no TYPE bigint;
ALTER TABLE sessions
    ALTER COLUMN last_seq_no TYPE bigint,
    -- how a session ended when the station did not end it: superseded, interrupted or
    -- closed by an operator, with who/why (NULL: the station ended it, or it is active)
    ADD COLUMN ending jsonb,
    -- a boot of the station with this session open: ended as interrupted if nothing is
    -- heard of it within the grace period
    ADD COLUMN interrupt_pending_at timestamptz;
CREATE INDEX sessions_open_by_connector ON sessions (station_id, evse_id)
    WHERE state = 'active';

-- A sampled value that cannot be read is kept as sent (raw_value) and flagged (unreadable
-- says why); the others of the message are stored as usual.
ALTER TABLE meter_samples
    ADD COLUMN raw_value text,
    ADD COLUMN unreadable text;

-- Replays add no sample twice, but two samples that differ in anything (value, unit,
-- multiplier, signed data, ...) are two rows: the key is the whole sample.
DROP INDEX meter_samples_once;
CREATE UNIQUE INDEX meter_samples_once ON meter_samples (
    station_id, transaction_id, evse_id, sampled_at, measurand, value, unit, multiplier,
    phase, location, context, md5(signed_data), signing_method, encoding_method,
    md5(public_key), md5(raw_value)
) NULLS NOT DISTINCT;
