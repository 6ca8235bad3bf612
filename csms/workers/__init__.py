"""Background loops: the outbox relay and other workers."""
