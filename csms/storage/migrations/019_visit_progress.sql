-- A visitor's page asks for its visit's state every few seconds (csms/api/visitor_pages.py):
-- find the visit's sessions by the visitor, newest first, without reading all sessions.
-- Depends on 004 (sessions.visitor_id).
CREATE INDEX sessions_of_visitor ON sessions (visitor_id, started_at DESC)
    WHERE visitor_id IS NOT NULL;
