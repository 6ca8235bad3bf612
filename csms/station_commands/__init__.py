"""station_commands capability."""
