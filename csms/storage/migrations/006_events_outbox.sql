-- Domain events recorded by a unit of work, written in its transaction; the relay delivers
-- them in event_id order and marks them delivered.

CREATE TABLE outbox_events (
    event_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id      text,
    kind            text NOT NULL,
    payload         jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX outbox_events_undelivered ON outbox_events (event_id) WHERE delivered_at IS NULL;
