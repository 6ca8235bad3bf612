-- The latest firmware and diagnostics status of each station (GET /api/stations/{id}):
-- FirmwareStatusNotification, 1.6 DiagnosticsStatusNotification and 2.0.1
-- LogStatusNotification are kept as station events; this index finds the latest of a
-- kind without reading the station's other events.
CREATE INDEX station_events_latest_of_kind
    ON station_events (station_id, kind, received_at DESC, event_id DESC);
