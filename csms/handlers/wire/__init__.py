"""The OCPP-J wire (style.md §13): frames, per-version dialects, compiled schemas, the codec."""
