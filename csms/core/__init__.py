"""Version-neutral core: stations, authorization and sessions, one rule in one place."""
